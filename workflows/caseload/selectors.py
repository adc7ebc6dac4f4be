"""Reads of the caseload: which households and benefits a user may see, and their history."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from workflows.core.models import County, Township
from workflows.core.scope import regions_where, user_scope
from workflows.core.types import AnyUser
from workflows.core.working_days import Calendar
from workflows.households.models import Household, HouseholdMember

from .models import Benefit, BenefitChange, Recheck, RecheckOutcome


def household_visible(user: AnyUser, pk: int) -> Household:
    """The household, if it belongs to a township the user works in or supervises; else 404
    (another township's households do not exist for them)."""
    household = Household.objects.select_related("township", "village").filter(pk=pk).first()
    if household is None or household.township_id not in user_scope(user).township_ids:
        raise Http404("No household matches the given query.")
    return household


def household_benefits(household: Household) -> QuerySet[Benefit]:
    """The household's benefits, newest first, each with its history (oldest change first)
    and the people who decided and the letters, in three queries."""
    changes = BenefitChange.objects.select_related("decided_by", "letter").order_by("effective_month", "pk")
    open_rechecks = Recheck.objects.filter(outcome=RecheckOutcome.OPEN).select_related("visited_by")
    return (
        Benefit.objects.filter(household=household)
        .select_related("township")
        .prefetch_related(Prefetch("changes", queryset=changes), Prefetch("rechecks", queryset=open_rechecks))
        .order_by("-starts", "-pk")
    )


def benefit_of_case(process_id: int) -> Benefit | None:
    """The benefit an approved case opened, if any (the case page links to it)."""
    return Benefit.objects.filter(source_case_id=process_id).first()


#: A scheduled re-check is listed (and opened by beat) this many days before it is due.
LIST_AHEAD_DAYS = 30


def _listed_q(today: datetime.date) -> Q:
    """Open re-checks that are opened or due within ``LIST_AHEAD_DAYS``."""
    horizon = today + datetime.timedelta(days=LIST_AHEAD_DAYS)
    return Q(outcome=RecheckOutcome.OPEN) & (Q(opened_on__isnull=False) | Q(due_on__lte=horizon))


def rechecks_listed(user: AnyUser, today: datetime.date) -> QuerySet[Recheck]:
    """Due and overdue re-checks of the user's townships, the most urgent first (MSL 31)."""
    townships = user_scope(user).township_ids
    return (
        Recheck.objects.filter(_listed_q(today), township_id__in=townships)
        .select_related("benefit", "benefit__household", "township")
        .order_by("due_on", "pk")
    )


def recheck_counts(
    *, today: datetime.date, township_ids: Iterable[int] | None = None, county: County | None = None
) -> dict[str, int]:
    """How many re-checks are due (listed, not yet late) and overdue, for townships or a county."""
    qs = Recheck.objects.filter(_listed_q(today))
    if township_ids is not None:
        qs = qs.filter(township_id__in=township_ids)
    if county is not None:
        qs = qs.filter(county=county)
    figures = qs.aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=today)), due=Count("pk", filter=Q(due_on__gte=today))
    )
    return {"due": figures["due"] or 0, "overdue": figures["overdue"] or 0}


#: Re-check rows the inbox shows at most (the whole list is at ``caseload:rechecks``).
INBOX_RECHECKS = 20


@dataclass(frozen=True)
class RecheckRow:
    """One due or overdue re-check as a line of work in the inbox (MSL 31)."""

    recheck: Recheck
    head_name: str
    programme: str
    due_on: datetime.date
    overdue: bool  # past its due date
    overdue_days: int  # working days since the due date (0 over a weekend after a Friday)
    waiting_on: str  # the role whose move it is
    next_step: str  # what that role does next
    url: str


def recheck_next_step(recheck: Recheck) -> tuple[str, str]:
    """Whose move it is in an open re-check, and what the move is: the case worker requests
    the finance check (fresh consent) and records the home visit, the finance check answers,
    then the approver decides (MSL 31)."""
    if not recheck.finance_check_id:
        return _("个案工作人员"), _("提请信息核对")
    if not recheck.visited_on:
        return _("个案工作人员"), _("记录入户核查")
    if not recheck.finance_outcome:
        return _("核对机构"), _("返回核对结果")
    return _("审批人"), _("作出复核结论")


def recheck_townships(user: AnyUser) -> list[int]:
    """Townships where the user works re-checks: as case worker or as approver (two queries).
    A county officer's supervision scope alone does not put re-checks in their inbox."""
    worker = regions_where(user, "act_case_worker", Township).values_list("pk", flat=True)
    approver = regions_where(user, "act_approver", Township).values_list("pk", flat=True)
    return sorted(set(worker) | set(approver))


def recheck_inbox(
    user: AnyUser, *, today: datetime.date, calendar: Calendar, limit: int | None = None
) -> dict[str, Any]:
    """The due and overdue re-checks of the townships the user works in, the most urgent
    first, as inbox rows with their counts: a fixed number of queries whatever the number
    of rows (households and their members come in one prefetch, for the head's name)."""
    townships = recheck_townships(user)
    if not townships:
        return {"rows": [], "due": 0, "overdue": 0}
    counts = recheck_counts(today=today, township_ids=townships)
    members = HouseholdMember.objects.order_by("pk")
    rechecks = (
        Recheck.objects.filter(_listed_q(today), township_id__in=townships)
        .select_related("benefit", "benefit__household")
        .prefetch_related(Prefetch("benefit__household__members", queryset=members))
        .order_by("due_on", "pk")[: limit or INBOX_RECHECKS]
    )
    rows = []
    for recheck in rechecks:
        benefit = recheck.benefit
        head = benefit.household.head
        waiting_on, next_step = recheck_next_step(recheck)
        overdue = recheck.due_on < today
        rows.append(
            RecheckRow(
                recheck=recheck,
                head_name=head.name if head else _("（未登记户主）"),
                programme=benefit.get_programme_display(),
                due_on=recheck.due_on,
                overdue=overdue,
                overdue_days=calendar.working_days_between(recheck.due_on, today) if overdue else 0,
                waiting_on=waiting_on,
                next_step=next_step,
                url=f"{reverse('caseload:household', args=[benefit.household_id])}#recheck-{recheck.pk}",
            )
        )
    return {"rows": rows, **counts}


#: Most households a search lists (a longer query narrows it down).
SEARCH_LIMIT = 50
_FULL_ID = re.compile(r"\d{17}[\dX]")
_ID_TAIL = re.compile(r"\d{3,7}[\dX]")


def is_full_id_number(query: str) -> bool:
    return bool(_FULL_ID.fullmatch(" ".join((query or "").split()).upper()))


def households_search(user: AnyUser, query: str) -> list[Household]:
    """Households of the user's townships (never another's) whose member is called ``query``
    (part of the name), or whose member's ID number is ``query`` in full or ends with it (4
    to 8 characters), each with its members and benefits, in four queries whatever the
    number of results. The caller shows ID numbers masked only."""
    query = " ".join((query or "").split()).upper()
    townships = user_scope(user).township_ids
    if len(query) < 2 or not townships:
        return []
    if _FULL_ID.fullmatch(query):
        match = Q(members__id_number=query)
    elif _ID_TAIL.fullmatch(query):
        match = Q(members__id_number__endswith=query)
    else:
        match = Q(members__name__icontains=query)
    ids = (
        Household.objects.filter(match, township_id__in=townships)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")[:SEARCH_LIMIT]
    )
    benefits = Benefit.objects.order_by("-starts", "-pk")
    return list(
        Household.objects.filter(pk__in=list(ids))
        .select_related("township", "village")
        .prefetch_related("members", Prefetch("benefits", queryset=benefits))
        .order_by("township__name", "pk")
    )

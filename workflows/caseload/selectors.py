"""Reads of the caseload: which households and benefits a user may see, and their history."""

from __future__ import annotations

import datetime
import re

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from workflows.core.scope import user_scope
from workflows.households.models import Household

from .models import Benefit, BenefitChange, Recheck, RecheckOutcome


def household_visible(user, pk: int) -> Household:
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
    open_rechecks = Recheck.objects.filter(outcome=RecheckOutcome.OPEN)
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


def _listed_q(today):
    """Open re-checks that are opened or due within ``LIST_AHEAD_DAYS``."""
    horizon = today + datetime.timedelta(days=LIST_AHEAD_DAYS)
    return Q(outcome=RecheckOutcome.OPEN) & (Q(opened_on__isnull=False) | Q(due_on__lte=horizon))


def rechecks_listed(user, today: datetime.date) -> QuerySet[Recheck]:
    """Due and overdue re-checks of the user's townships, the most urgent first (MSL 31)."""
    townships = user_scope(user).township_ids
    return (
        Recheck.objects.filter(_listed_q(today), township_id__in=townships)
        .select_related("benefit", "benefit__household", "township")
        .order_by("due_on", "pk")
    )


def recheck_counts(*, today: datetime.date, township_ids=None, county=None) -> dict[str, int]:
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


#: Most households a search lists (a longer query narrows it down).
SEARCH_LIMIT = 50
_FULL_ID = re.compile(r"\d{17}[\dX]")
_ID_TAIL = re.compile(r"\d{3,7}[\dX]")


def is_full_id_number(query: str) -> bool:
    return bool(_FULL_ID.fullmatch(" ".join((query or "").split()).upper()))


def households_search(user, query: str) -> list[Household]:
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

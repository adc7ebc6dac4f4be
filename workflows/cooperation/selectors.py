"""Reads: the referrals a user may see, a case's referrals and conferences, the county's counts.

Region isolation (domain.md §1): a township's staff see its own referrals, county staff
their county's, through the user's scope (``workflows.core.scope.user_scope``); every list
costs a constant number of queries whatever its length.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from viewflow.workflow.models import Process

from workflows.core.access import holds
from workflows.core.models import County
from workflows.core.scope import user_scope
from workflows.core.types import AnyUser

from .models import Conference, ConferenceAction, Referral

#: Roles that open the township's referral list (and see its link in the navigation).
LIST_CODENAMES = frozenset(
    {"act_case_worker", "act_approver", "act_county_officer", "act_county_reviewer", "audit_county"}
)


def may_open_list(user: AnyUser) -> bool:
    return any(codename in LIST_CODENAMES for _ct, _app, codename, _pk in user_scope(user).object_permissions)


def referrals_visible_to(user: AnyUser) -> QuerySet[Referral]:
    """Referrals of the user's townships (county staff: every township of their county)."""
    scope = user_scope(user)
    return Referral.objects.filter(township_id__in=scope.township_ids)


def referral_list(
    user: AnyUser, *, status: str = "", overdue: bool = False, today: datetime.date | None = None
) -> QuerySet[Referral]:
    """The list page's rows, most urgent first; open ones by default."""
    today = today or timezone.localdate()
    qs = referrals_visible_to(user).select_related("township", "village", "household", "created_by")
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=Referral.Status.OPEN, due_on__lt=today)
    return qs.order_by("status", "due_on", "pk")


@dataclass
class CaseCooperation:
    referrals: list[Referral]
    conferences: list[Conference]
    may_refer: bool
    may_answer: bool
    may_confer: bool


def case_cooperation(user: AnyUser, process: Process) -> CaseCooperation:
    """A case's referrals and conferences (with their follow-ups) and what ``user`` may do there."""
    referrals = list(Referral.objects.filter(process_id=process.pk).select_related("created_by").order_by("pk"))
    conferences = list(
        Conference.objects.filter(process_id=process.pk)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("actions", queryset=ConferenceAction.objects.order_by("due_on", "pk")))
        .order_by("held_on", "pk")
    )
    township_id = getattr(process, "township_id", None)
    worker = township_id is not None and holds(user, "act_case_worker", township=township_id)
    approver = township_id is not None and holds(user, "act_approver", township=township_id)
    is_ta = process._meta.label_lower == "temporary_assistance.temporaryassistanceprocess"
    return CaseCooperation(
        referrals=referrals,
        conferences=conferences,
        may_refer=worker,
        may_answer=worker,
        may_confer=is_ta and (worker or approver),
    )


@dataclass
class TownshipCooperation:
    referrals_open: int = 0
    referrals_overdue: int = 0
    conferences: int = 0
    actions_open: int = 0


def county_counts(county: County, *, year: int, today: datetime.date | None = None) -> dict[int, TownshipCooperation]:
    """{township pk: counts} for the county dashboard: open and overdue referrals (today),
    conferences held in ``year`` and their follow-ups still open. Two grouped queries."""
    today = today or timezone.localdate()
    counts: dict[int, TownshipCooperation] = {}
    open_referrals = (
        Referral.objects.filter(county=county, status=Referral.Status.OPEN)
        .values("township_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))
        .order_by()
    )
    for r in open_referrals:
        row = counts.setdefault(r["township_id"], TownshipCooperation())
        row.referrals_open, row.referrals_overdue = r["n"], r["late"]
    conferences = (
        Conference.objects.filter(county=county, held_on__year=year)
        .values("township_id")
        .annotate(n=Count("pk", distinct=True), open=Count("actions", filter=Q(actions__closed_on__isnull=True)))
        .order_by()
    )
    for c in conferences:
        row = counts.setdefault(c["township_id"], TownshipCooperation())
        row.conferences, row.actions_open = c["n"], c["open"]
    return counts

"""Reads: the signals a user may see, a household's cases, the county's counts.

Region isolation (domain.md §1): a township's staff see its own signals, a village
assistant their village's, county staff every township of their county (through
``workflows.core.scope.user_scope``). Unmatched signals are the county's only. Every list
costs a constant number of queries whatever its length.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from viewflow.workflow.status import PROCESS

from workflows.core import programmes
from workflows.core.models import County
from workflows.core.scope import user_scope
from workflows.core.types import AnyUser

from .models import Signal, UnmatchedSignal

#: Roles that open the monitoring list (and see its link in the navigation).
LIST_CODENAMES = frozenset(
    {"act_case_worker", "act_approver", "act_village_assistant", "act_county_officer", "act_county_reviewer",
     "audit_county"}
)  # fmt: skip
#: Roles that report a signal through the form (a village assistant's 村级报告 included).
REPORT_CODENAMES = frozenset({"act_case_worker", "act_approver", "act_village_assistant", "act_county_officer"})
#: County staff who upload a department's file and see the unmatched ID numbers.
COUNTY_CODENAMES = frozenset({"act_county_officer"})


def signals_visible_to(user: AnyUser) -> QuerySet[Signal]:
    return Signal.objects.filter(user_scope(user).case_filter())


def signal_list(user: AnyUser, *, status: str = "", overdue: bool = False, township_id: int | None = None,
                today: datetime.date | None = None) -> QuerySet[Signal]:  # fmt: skip
    """The list page's rows, open ones first and most urgent first."""
    today = today or timezone.localdate()
    qs = signals_visible_to(user).select_related("township", "village", "member", "handled_by", "reported_by")
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=Signal.Status.OPEN, due_on__lt=today)
    if township_id:
        qs = qs.filter(township_id=township_id)
    # "open" > "handled" > "dismissed": descending puts the open signals first
    return qs.order_by("-status", "due_on", "pk")


def unmatched_visible_to(user: AnyUser) -> QuerySet[UnmatchedSignal]:
    """Unmatched signals of the user's counties (empty for township and village staff)."""
    return UnmatchedSignal.objects.filter(county_id__in=user_scope(user).county_ids).select_related("reported_by")


def case_models() -> list:
    """The process models of every programme's cases, each once (dibao and 特困 share one)."""
    labels = dict.fromkeys(spec.process_model.lower() for spec in programmes.all_specs())
    return [apps.get_model(label) for label in labels]


def household_cases(household_id: int) -> list:
    """The household's cases in every programme, newest first (cancelled ones left out)."""
    cases = []
    for model in case_models():
        field = getattr(model, "household_field", None) or "household"
        cases += list(
            model.objects.filter(**{f"{field}_id": household_id}).exclude(status=PROCESS.CANCELED).order_by("-pk")
        )
    return sorted(cases, key=lambda p: p.created, reverse=True)


@dataclass
class TownshipMonitoring:
    received: int = 0
    handled: int = 0
    open: int = 0
    overdue: int = 0


def county_counts(county: County, *, year: int, today: datetime.date | None = None) -> dict[int, TownshipMonitoring]:
    """{township pk: counts} for the county dashboard: signals received in ``year``, those
    handled (a case, a re-check, a referral or a dismissal), still open, and open past their
    due date today. One grouped query."""
    today = today or timezone.localdate()
    rows = (
        Signal.objects.filter(county=county, received_at__year=year)
        .values("township_id")
        .annotate(
            received=Count("pk"),
            open=Count("pk", filter=Q(status=Signal.Status.OPEN)),
            overdue=Count("pk", filter=Q(status=Signal.Status.OPEN, due_on__lt=today)),
        )
        .order_by()
    )
    return {
        r["township_id"]: TownshipMonitoring(
            received=r["received"], handled=r["received"] - r["open"], open=r["open"], overdue=r["overdue"]
        )
        for r in rows
    }


def unmatched_count(county: County, *, year: int) -> int:
    return UnmatchedSignal.objects.filter(county=county, received_at__year=year).count()

"""Read-only queries of the economic-status check."""

from __future__ import annotations

import datetime

from django.db.models import Min, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from workflows.core.scope import user_scope
from workflows.core.types import AnyUser

from .models import FinanceCheckProcess, RegistryEvidence


def latest_check_for(case_ref: str) -> FinanceCheckProcess | None:
    """The most recent check requested by the case ``case_ref`` (e.g. "dibao:42"), finished or not."""
    return FinanceCheckProcess.objects.filter(case_ref=case_ref).order_by("-created", "-pk").first()


def checks_visible_to(user: AnyUser) -> QuerySet[FinanceCheckProcess]:
    """Checks of households in the user's regions."""
    return FinanceCheckProcess.objects.filter(user_scope(user).case_filter())


def evidence_of(check: FinanceCheckProcess) -> QuerySet[RegistryEvidence]:
    return check.evidence.select_related("entered_by").order_by("source", "created_at", "pk")


def check_started_on(check_id: int) -> datetime.date | None:
    """The local date the check ran its first registry query (the county's start, MSL 17), or None."""
    first = (
        RegistryEvidence.objects.filter(check_process_id=check_id)
        .exclude(status=RegistryEvidence.Status.MANUAL)
        .aggregate(first=Min(Coalesce("requested_at", "created_at")))["first"]
    )
    return timezone.localdate(first) if first else None


def halted_check_for(case_ref: str) -> dict | None:
    """When the case's latest check stopped querying because an authorisation was withdrawn
    (MSL 9): since when and whose authorisation is missing (names, for staff pages)."""
    from workflows.households.models import HouseholdMember

    check = latest_check_for(case_ref)
    if check is None or check.halted_at is None:
        return None
    names = HouseholdMember.objects.filter(pk__in=check.halted_members).order_by("pk").values_list("name", flat=True)
    return {"check": check, "since": check.halted_at, "members": list(names)}

"""Read-only queries of the economic-status check."""

from __future__ import annotations

from django.db.models import QuerySet

from workflows.core.scope import user_scope

from .models import FinanceCheckProcess, RegistryEvidence


def latest_check_for(case_ref: str) -> FinanceCheckProcess | None:
    """The most recent check requested by the case ``case_ref`` (e.g. "dibao:42"), finished or not."""
    return FinanceCheckProcess.objects.filter(case_ref=case_ref).order_by("-created", "-pk").first()


def checks_visible_to(user) -> QuerySet[FinanceCheckProcess]:
    """Checks of households in the user's regions."""
    return FinanceCheckProcess.objects.filter(user_scope(user).case_filter())


def evidence_of(check: FinanceCheckProcess) -> QuerySet[RegistryEvidence]:
    return check.evidence.select_related("entered_by").order_by("source", "created_at", "pk")

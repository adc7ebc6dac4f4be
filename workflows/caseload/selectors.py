"""Reads of the caseload: which households and benefits a user may see, and their history."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from workflows.core.scope import user_scope
from workflows.households.models import Household

from .models import Benefit, BenefitChange


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
    return (
        Benefit.objects.filter(household=household)
        .select_related("township")
        .prefetch_related(Prefetch("changes", queryset=changes))
        .order_by("-starts", "-pk")
    )


def benefit_of_case(process_id: int) -> Benefit | None:
    """The benefit an approved case opened, if any (the case page links to it)."""
    return Benefit.objects.filter(source_case_id=process_id).first()

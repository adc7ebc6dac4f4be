"""What a user may see of the reserve funds (township staff: own township; county staff: the county)."""

from __future__ import annotations

from django.db.models import Count, Q

from workflows.core.scope import user_scope

from .models import FundEntry, ReserveFund


def funds_visible_to(user):
    scope = user_scope(user)
    return (
        ReserveFund.objects.filter(township_id__in=scope.township_ids)
        .select_related("township", "township__county")
        .annotate(entry_count=Count("entries"), payment_count=Count("entries", filter=Q(entries__kind="payment")))
        .order_by("-budget_year", "township__code")
    )


def fund_ledger(fund: ReserveFund):
    return FundEntry.objects.filter(fund=fund).select_related("actor", "reverses").order_by("-pk")


# Programmes that pay from a fund before the paperwork is complete (temporary assistance's
# 先行救助) register here, from their ``AppConfig.ready``, a function
# ``(*, township_ids) -> iterable of cases`` owing paperwork: the fund page lists them
# without funds importing a programme (it sits below them).
pending_paperwork_sources: list = []


def pending_paperwork(*, township_ids) -> list:
    """Cases of every registered programme that were paid from a township fund and still
    owe their paperwork."""
    return [case for source in pending_paperwork_sources for case in source(township_ids=township_ids)]

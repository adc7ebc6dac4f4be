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

"""What a user may see of the reserve funds (township staff: own township; county staff: the county)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from workflows.core.scope import user_scope
from workflows.core.types import AnyUser

from .models import FundEntry, ReserveFund


def funds_visible_to(user: AnyUser) -> QuerySet[ReserveFund]:
    scope = user_scope(user)
    return (
        ReserveFund.objects.filter(township_id__in=scope.township_ids)
        .select_related("township", "township__county")
        .annotate(entry_count=Count("entries"), payment_count=Count("entries", filter=Q(entries__kind="payment")))
        .order_by("-budget_year", "township__code")
    )


def fund_ledger(fund: ReserveFund) -> QuerySet[FundEntry]:
    return FundEntry.objects.filter(fund=fund).select_related("actor", "reverses").order_by("-pk")


def balance_by_day(fund: ReserveFund) -> list[tuple[datetime.date, Decimal, Decimal]]:
    """The fund's balance at the end of each day (Asia/Shanghai) that has ledger entries:
    ``(day, net change that day, balance after it)``, oldest first.

    Computed from the immutable ledger alone (one grouped query, whatever its length): the
    running sum of the day totals. The last balance is the sum of every entry, which is what
    ``ReserveFund.balance`` caches (models.py), so the line ends at the current balance."""
    days = (
        FundEntry.objects.filter(fund=fund)
        .annotate(day=TruncDate("created_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("day")
        .annotate(net=Sum("amount"))
        .order_by("day")
    )
    out, balance = [], Decimal("0.00")
    for r in days:
        balance += r["net"]
        out.append((r["day"], r["net"], balance))
    return out


def balance_chart(fund: ReserveFund, points: Iterable[tuple[datetime.date, Decimal, Decimal]]) -> dict:
    """The balance line's data for ``json_script`` (static/workspace/charts.js)."""
    return {
        "kind": "time",
        "money": True,
        "step": True,
        "unit": _("元"),
        "groups": [
            {
                "name": str(fund),
                "series": [{"name": _("余额"), "data": [[day.isoformat(), f"{bal:.2f}"] for day, _net, bal in points]}],
            }
        ],
    }


# Programmes that pay from a fund before the paperwork is complete (temporary assistance's
# 先行救助) register here, from their ``AppConfig.ready``, a function
# ``(*, township_ids) -> iterable of cases`` owing paperwork: the fund page lists them
# without funds importing a programme (it sits below them).
pending_paperwork_sources: list = []


def pending_paperwork(*, township_ids: Iterable[int]) -> list:
    """Cases of every registered programme that were paid from a township fund and still
    owe their paperwork."""
    return [case for source in pending_paperwork_sources for case in source(township_ids=township_ids)]

"""Small helpers of the sampling review: ids, money, months, the correction period."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError

from .errors import ERR_NEGATIVE_AMOUNT

CENT = Decimal("0.01")
DEFAULT_CORRECTION_WORKING_DAYS = 10


def _pk(value) -> int:
    return value if isinstance(value, int) else value.pk


def _money(value) -> Decimal | None:
    if value is None:
        return None
    amount = Decimal(value).quantize(CENT)
    if amount < 0:
        raise ValidationError(ERR_NEGATIVE_AMOUNT)
    return amount


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + (day.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def correction_working_days() -> int:
    """Working days a township has to carry out a correction (setting ``SAMPLING_CORRECTION_WORKING_DAYS``)."""
    return int(getattr(settings, "SAMPLING_CORRECTION_WORKING_DAYS", DEFAULT_CORRECTION_WORKING_DAYS))

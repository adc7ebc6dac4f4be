"""Small helpers of the sampling review: ids, money, months, the correction period."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Model

DEFAULT_CORRECTION_WORKING_DAYS = 10


def _pk(value: int | Model) -> int:
    return value if isinstance(value, int) else value.pk


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + (day.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def correction_working_days() -> int:
    """Working days a township has to carry out a correction (setting ``SAMPLING_CORRECTION_WORKING_DAYS``)."""
    return int(getattr(settings, "SAMPLING_CORRECTION_WORKING_DAYS", DEFAULT_CORRECTION_WORKING_DAYS))

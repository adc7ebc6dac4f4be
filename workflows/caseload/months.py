"""Calendar months as the first day of the month (benefits start, change and stop by month)."""

from __future__ import annotations

import datetime


def month_of(day: datetime.date) -> datetime.date:
    """The month ``day`` falls in (its first day)."""
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after the month of ``day`` (negative: before)."""
    index = day.year * 12 + (day.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def next_month(day: datetime.date) -> datetime.date:
    """A change decided on ``day`` takes effect from the first day of the next month (MSL 21, 32)."""
    return add_months(day, 1)


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it is shorter: 31 Aug + 6 = 28/29 Feb)."""
    first = add_months(day, months)
    last_day = (add_months(first, 1) - datetime.timedelta(days=1)).day
    return first.replace(day=min(day.day, last_day))

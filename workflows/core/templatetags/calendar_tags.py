"""The calendar-horizon warning (issue 15 item 5), for the county dashboard and the admin index."""

import datetime

from django import template
from django.utils import timezone

from workflows.core.working_days import missing_schedule_year

register = template.Library()


@register.inclusion_tag("core/_calendar_warning.html")
def calendar_warning(today: datetime.date | None = None) -> dict[str, int | None]:
    """From 1 November: next year's official schedule is not loaded yet."""
    return {"missing_year": missing_schedule_year(today or timezone.localdate())}

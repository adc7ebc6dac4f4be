"""The case page's referrals and conferences panel, for any programme's case page."""

from django import template
from django.utils import timezone

from workflows.core.flows import coerce

from .. import selectors

register = template.Library()


@register.inclusion_tag("cooperation/_case_panel.html", takes_context=True)
def case_cooperation(context, process):
    """Referrals (SAI 60) and case conferences of ``process``, with the links the user may follow."""
    request = context.get("request")
    if process is None or request is None:
        return {}
    process = coerce(process)
    return {
        "process": process,
        "coop": selectors.case_cooperation(request.user, process),
        "here": request.get_full_path(),
        "today": timezone.localdate(),
        "csrf_token": context.get("csrf_token"),
    }

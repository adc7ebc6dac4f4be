"""The case page's referrals and conferences panel, and the task pages' referral link, for any programme."""

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from workflows.core.access import holds
from workflows.core.flows import coerce

from .. import selectors
from ..models import Referral

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


@register.inclusion_tag("cooperation/_refer_link.html", takes_context=True)
def referral_link(context, process):
    """On a task page (intake and every later step of any programme): the case worker's way to
    refer the household (SAI 60) without leaving the step, and how many referrals are open."""
    request = context.get("request")
    if process is None or request is None:
        return {}
    process = coerce(process)
    township_id = getattr(process, "township_id", None)
    if township_id is None or not holds(request.user, "act_case_worker", township=township_id):
        return {}
    counts = Referral.objects.filter(process_id=process.pk).aggregate(
        n=Count("pk"), open=Count("pk", filter=Q(status=Referral.Status.OPEN))
    )
    return {"process": process, "here": request.get_full_path(), "n": counts["n"], "open": counts["open"]}

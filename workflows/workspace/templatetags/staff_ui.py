"""Template helpers of the staff pages (docs/ui.md): forms every control of which is
usable in a plain browser, and the case summary beside every task form."""

from __future__ import annotations

from django import forms, template
from django.utils.translation import gettext_lazy as _

from workflows.core.flows import coerce

from .. import selectors
from ..models import CaseIndex

register = template.Library()


@register.filter
def staff_form(form):
    """``form`` with widgets a browser shows natively: a date picker for dates, checkboxes
    for a multiple choice (a ``<select multiple>`` is unusable on a phone). Returns the form,
    so ``{{ form|staff_form|crispy }}``."""
    if form is None:
        return form
    for field in form.fields.values():
        widget = field.widget
        if isinstance(field, forms.DateField) and type(widget) is forms.DateInput:
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"  # what <input type="date"> reads and sends
        elif isinstance(field, forms.MultipleChoiceField) and type(widget) is forms.SelectMultiple:
            field.widget = forms.CheckboxSelectMultiple(attrs=widget.attrs, choices=field.choices)
    return form


@register.inclusion_tag("workspace/_case_summary.html")
def case_summary(process):
    """The case in people's language (replaces viewflow's ``include_process_data``, which
    prints the raw field values False/True/[]/{})."""
    if process is None:
        return {}
    process = coerce(process)
    household, members = selectors.case_household(process)
    index = CaseIndex.objects.filter(process_id=process.pk).select_related("township", "village").first()
    return {
        "process": process,
        "index": index,
        "household": household,
        "members": members,
        "finance": selectors.case_finance(process),
    }


#: viewflow's transition labels (English in its code) in our words, for the task page buttons.
ACTION_LABELS = {
    "Assign": _("领取"),
    "Unassign": _("退回待领"),
    "Execute": _("办理"),
    "Cancel": _("取消任务"),
    "Undo": _("撤销办理"),
    "Revive": _("恢复任务"),
}


@register.filter
def action_label(label) -> str:
    return str(ACTION_LABELS.get(str(label), label))


@register.filter
def yuan(value) -> str:
    """Money in yuan for people: thousands separators and 2 decimals ("16,200.00"); "-" for none."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    if value is None or value == "":
        return "-"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return str(value)
    return f"{amount:,.2f}"


#: Stored values that mean nothing to people, in words.
_HUMAN = {"True": _("是"), "False": _("否"), "[]": "—", "{}": "—", "None": "—", "": "—"}


@register.filter
def human(value) -> str:
    """A stored value for display: 是/否 for booleans, a dash for empty lists and mappings,
    finance-check outcomes and task statuses in words."""
    from viewflow.workflow.status import STATUS

    from workflows.finance_check.models import Outcome

    text = str(value)
    if text in _HUMAN:
        return str(_HUMAN[text])
    # stored codes that reach the replay as plain values: finance-check outcomes, statuses
    if text in Outcome.values:
        return str(Outcome(text).label)
    if text in STATUS.values:
        return str(STATUS(text).label)
    return text


@register.filter
def task_status(value) -> str:
    """A task status code (``DONE``) in words (已完成)."""
    from viewflow.workflow.status import STATUS

    return str(STATUS(value).label) if value in STATUS.values else str(value)


@register.inclusion_tag("workspace/_task_actions.html", takes_context=True)
def task_actions(context, task):
    """退回 and 转办 on the holder's open task (the task page and the case page). On the task
    page viewflow has started the task in memory (STARTED, not saved): still the holder's."""
    from viewflow.workflow.status import STATUS

    from workflows.core import sendback
    from workflows.core.task_actions import transfer_candidates

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or task.owner_id != user.pk or task.status not in (STATUS.ASSIGNED, STATUS.STARTED):
        return {"task": None}
    return {
        "task": task,
        "send_back_targets": sendback.send_back_targets(task),
        "transfer_candidates": transfer_candidates(task),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path(),
    }

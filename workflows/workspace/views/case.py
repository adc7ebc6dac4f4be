"""The case workspace: one case's page with its tasks."""

from __future__ import annotations

import copy
import logging

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from workflows.core import sendback, task_actions, working_days
from workflows.core.flows import case_readable, case_visible, coerce

from .. import selectors, services
from ..models import CaseIndex

logger = logging.getLogger(__name__)

# --- case workspace ----------------------------------------------------------------------


def _task_form(request, task):
    """The node's own task form (unbound), for the case page; it posts to the node's execute
    view, which validates it and calls the service as usual. None when the node has no form
    view, or its form cannot be built outside that view (the page then links to it)."""
    view_func = getattr(task.flow_task, "_view", None)
    view_class = getattr(view_func, "view_class", None)
    if view_class is None or not hasattr(view_class, "get_form"):
        return None
    inner = copy.copy(request)  # the node view reads request.activation, as viewflow sets it
    inner.activation = task.flow_task.activation_class(task)
    try:
        view = view_class(**(getattr(view_func, "view_initkwargs", None) or {}))
        view.setup(inner, process_pk=task.process_id, task_pk=task.pk)
        return view.get_form()
    except Exception:  # a view that needs its own dispatch: fall back to the link
        logger.warning("task form of %s not rendered inline", task.flow_task, exc_info=True)
        return None


def case_workspace(request, process_pk: int):
    """Household, finance check, documents, timeline, diagram and the user's task, on one page."""
    from workflows.caseload.selectors import benefit_of_case
    from workflows.documents.selectors import documents_for_case, pending_documents_for_case
    from workflows.history import selectors as history

    base = get_object_or_404(Process, pk=process_pk)
    process = coerce(base)
    # a read-only share (the registration township of a case helped elsewhere) sees the page, acts on nothing
    if not case_readable(request.user, process):
        raise Http404
    read_only = not case_visible(request.user, process)
    index = CaseIndex.objects.filter(process_id=process.pk).select_related("township", "village").first()
    household, members = selectors.case_household(process)
    tasks = list(Task.objects.filter(process_id=process.pk).select_related("owner").order_by("created", "pk"))
    mine, claimable = [], []
    for task in tasks:
        node = task.flow_task
        if task.status == STATUS.ASSIGNED and task.owner_id == request.user.pk:
            mine.append(
                {
                    "task": task,
                    "title": node.task_title or node.name,
                    "url": selectors._task_url(task, "index"),
                    "execute_url": selectors._task_url(task, "execute"),
                    "form": _task_form(request, task),
                }
            )
        elif task.status == STATUS.NEW and task.flow_task_type == "HUMAN" and node.can_assign(request.user, task):
            claimable.append({"task": task, "title": node.task_title or node.name})
    # 撤回: my submissions whose next step nobody has claimed yet
    sent_by_me = task_actions.withdrawable_by(process.pk, request.user, tasks)
    withdrawable = [
        {"task": task, "title": task.flow_task.task_title, "sent_title": sent_by_me[task.pk].flow_task.task_title}
        for task in tasks
        if task.pk in sent_by_me
    ]
    # 催办: the case is overdue and I supervise its township or county
    urgeable = []
    if index is not None and services.task_overdue(index) and services.may_urge(request.user, index):
        urgeable = [
            {"task": t, "title": t.flow_task.task_title}
            for t in tasks
            if t.flow_task_type == "HUMAN" and t.status in (STATUS.NEW, STATUS.ASSIGNED)
        ]
    events = list(history.case_events(process))
    # a case on public notice (dibao/特困): staff record objections received in person (MSL 19)
    notice = getattr(process, "current_notice", None)
    return render(
        request,
        "workspace/case.html",
        {
            "process": process,
            "index": index,
            "due_provisional": working_days.is_provisional(index.due_on if index else None),
            "household": household,
            "members": members,
            "finance": selectors.case_finance(process),
            "documents": list(documents_for_case(process.pk)),
            "pending_documents": list(pending_documents_for_case(process.pk)),
            "events": [(e, history.action_label(e.action)) for e in events[-30:]],
            "event_count": len(events),
            "path": [(t, history.node_title(process, t.flow_task.name)) for t in tasks],
            "chart_svg": mark_safe(history.flow_chart_svg(process)),  # noqa: S308 - viewflow renders it from the flow definition
            "mine": mine,
            "claimable": claimable,
            "withdrawable": withdrawable,
            "urgeable": urgeable,
            "send_back": None if read_only else sendback.open_send_back(process),
            "read_only": read_only,
            "open_notice": notice if notice is not None and notice.is_open() else None,
            "benefit": benefit_of_case(process.pk),
            "today": timezone.localdate(),
        },
    )

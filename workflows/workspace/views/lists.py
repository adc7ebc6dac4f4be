"""Task lists (待办) and their bulk actions: claim, release, reassign, send back, withdraw, transfer, urge."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from workflows.caseload.selectors import recheck_inbox
from workflows.core import sendback, task_actions
from workflows.core.flows import case_visible
from workflows.core.working_days import Calendar

from .. import selectors, services
from ..forms import FilterForm, ReassignForm, SendBackForm, TaskForm, TaskSelectionForm, TransferForm, UrgeForm

PAGE_SIZE = 20

logger = logging.getLogger(__name__)


def _list_spec(kind):
    return {
        "inbox": (selectors.inbox_tasks, "due", _("我的待办")),
        "queue": (selectors.queue_tasks, "due", _("待领取任务")),
        "archive": (selectors.archive_tasks, "-created", _("已办任务")),
        "team": (selectors.team_tasks, "due", _("本乡镇在办任务")),
    }[kind]


class CountlessPage:
    """One page of a long, append-only list without an exact count (the archive).

    A busy case worker's archive holds ~16,500 finished tasks at province scale and
    counting them cost ~0.4 s per page (docs/performance.md, finding 2); reading one
    row more than the page tells whether there is a next one. Quacks like Django's
    ``Page`` where the template needs it; ``paginator`` is None (no total).
    """

    paginator = None

    def __init__(self, queryset, number, per_page: int):
        try:
            self.number = max(1, int(number or 1))
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
        self.object_list = rows[:per_page]
        self._has_next = len(rows) > per_page

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def task_list_context(user, params, kind: str) -> dict:
    """Everything a task list page reads from the database (``params``: the GET QueryDict);
    bench/latency.py measures this."""
    build, default_sort, title = _list_spec(kind)
    if kind == "team" and not selectors.supervised_township_ids(user):
        raise PermissionDenied
    form = FilterForm(params or None, user=user)
    filters = form.filters(default_sort)
    qs = selectors.apply_filters(build(user), filters)
    if kind == "archive":
        page = CountlessPage(qs, params.get("page"), PAGE_SIZE)
    else:
        # The page is chosen on task ids (the filters' and the sort's joins only), and the
        # display columns joined to its rows only, in the same statement (``page_tasks``).
        pks = qs.select_related(None).values_list("pk", flat=True)
        page = Paginator(pks, PAGE_SIZE).get_page(params.get("page"))
        page.object_list = selectors.page_tasks(page.object_list)
    rows = selectors.rows_for(page.object_list, calendar=Calendar())
    supervisor = bool(selectors.supervised_township_ids(user))
    query = params.copy()
    query.pop("page", None)
    return {
        "kind": kind,
        "title": title,
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "supervisor": supervisor,
        "targets": selectors.reassign_targets(user) if supervisor and kind in ("inbox", "team", "queue") else [],
    }


def task_list(request, kind: str):
    """Inbox, queue, archive or team list: filters, sort, search, pagination; constant queries.
    The inbox also lists the due and overdue re-checks of the townships where the user works
    (MSL 31): they are work like the tasks, with whose move it is."""
    context = task_list_context(request.user, request.GET, kind)
    if kind == "inbox":
        context["rechecks"] = recheck_inbox(request.user, today=timezone.localdate(), calendar=Calendar())
    return render(request, "workspace/task_list.html", context)


def _back(request, default: str) -> str:
    url = request.POST.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


def _report(request, result: services.BulkResult, verb: str) -> None:
    if result.done:
        messages.success(request, _("已%(verb)s %(n)d 件。") % {"verb": verb, "n": len(result.done)})
    if result.refused:
        detail = "；".join(f"{number}：{reason}" for _pk, number, reason in result.refused)
        messages.error(
            request,
            _("%(n)d 件未能%(verb)s：%(detail)s") % {"n": len(result.refused), "verb": verb, "detail": detail},
        )


def _offer_claimed(request, task_pks: list[int]) -> None:
    """After a claim, a "去办理" link to the first claimed task (issue 14 item 4): the user
    came to work on it, not to stay on a queue that no longer lists it."""
    task = (
        Task.objects.filter(pk__in=task_pks).select_related("process__case_index").order_by("pk").first()
        if task_pks
        else None
    )
    url = selectors._task_url(task, "index") if task is not None else None
    if url:
        number = getattr(getattr(task.process, "case_index", None), "case_number", "") or ""
        messages.info(
            request,
            format_html(
                '{} <a class="alert-link" href="{}">{}</a>',
                _("%(number)s“%(title)s”已在您的待办中。") % {"number": number, "title": task.flow_task.task_title},
                url,
                _("去办理"),
            ),
        )


@require_POST
def claim(request):
    form = TaskSelectionForm(request.POST)
    if form.is_valid():
        result = services.tasks_claim(task_pks=form.cleaned_data["tasks"], actor=request.user)
        if request.htmx and request.POST.get("one"):
            # A row's own 领取 button under htmx: answer that row, claimed (with 去办理) or
            # refused, instead of reloading the queue; without JavaScript the redirect below.
            return render(request, "workspace/_claimed_row.html", _claimed_row(result))
        _report(request, result, _("领取"))
        _offer_claimed(request, result.done)
    else:
        messages.error(request, _("请选择要领取的任务。"))
    return redirect(_back(request, reverse("workspace:queue")))


def _claimed_row(result: services.BulkResult) -> dict:
    task = Task.objects.filter(pk__in=result.done).select_related("process__case_index").first()
    if task is None:
        return {"refused": [reason for _pk, _number, reason in result.refused]}
    return {
        "task": task,
        "number": getattr(getattr(task.process, "case_index", None), "case_number", ""),
        "url": selectors._task_url(task, "index"),
    }


@require_POST
def release(request):
    form = TaskSelectionForm(request.POST)
    if form.is_valid():
        _report(request, services.tasks_release(task_pks=form.cleaned_data["tasks"], actor=request.user), _("退回待领"))
    else:
        messages.error(request, _("请选择要退回待领的任务。"))
    return redirect(_back(request, reverse("workspace:inbox")))


@require_POST
def reassign(request):
    form = ReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择任务和改派对象。"))
        return redirect(_back(request, reverse("workspace:team")))
    from django.contrib.auth import get_user_model

    target = get_user_model().objects.filter(pk=form.cleaned_data["target"], is_active=True).first()
    if target is None:
        messages.error(request, _("改派对象不存在。"))
    else:
        result = services.tasks_reassign(task_pks=form.cleaned_data["tasks"], target=target, actor=request.user)
        _report(request, result, _("改派"))
    return redirect(_back(request, reverse("workspace:team")))


@require_POST
def send_back(request):
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写退回环节和理由。"))
        return redirect(_back(request, reverse("workspace:inbox")))
    task = Task.objects.filter(pk=form.cleaned_data["task"]).select_related("process").first()
    if task is None or not case_visible(request.user, task.process):
        raise Http404
    try:
        sendback.case_send_back(
            task=task, to_node=form.cleaned_data["to_node"], reason=form.cleaned_data["reason"], actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已退回，案件重新提交后将直达本环节。"))
    return redirect(reverse("workspace:case", args=[task.process_id]))


def _visible_task(request, pk: int):
    """The task ``pk`` if its case is in the user's regions (404 otherwise: nothing disclosed)."""
    task = Task.objects.filter(pk=pk).select_related("process").first()
    if task is None or not case_visible(request.user, task.process):
        raise Http404
    return task


def _to_case(request, task):
    return redirect(_back(request, reverse("workspace:case", args=[task.process_id])))


@require_POST
def withdraw(request):
    """撤回: take back my submission while the next step is unclaimed; back to my step."""
    form = TaskForm(request.POST)
    if not form.is_valid():
        raise Http404
    task = _visible_task(request, form.cleaned_data["task"])
    try:
        task_actions.task_withdraw(task_pk=task.pk, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已撤回，案件回到您的办理环节，修改后请重新提交。"))
    return redirect(reverse("workspace:case", args=[task.process_id]))


@require_POST
def transfer(request):
    """转办: hand my claimed task to a colleague of the same role and region, with a reason."""
    picked = TaskForm(request.POST)
    if not picked.is_valid():
        raise Http404
    task = _visible_task(request, picked.cleaned_data["task"])
    form = TransferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择转办对象并填写转办理由。"))
        return redirect(reverse("workspace:case", args=[task.process_id]))
    try:
        task_actions.task_transfer(
            task_pk=task.pk,
            target_pk=form.cleaned_data["target"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(reverse("workspace:case", args=[task.process_id]))
    messages.success(request, _("已转办。"))
    return redirect(reverse("workspace:inbox"))  # the task is no longer mine


@require_POST
def urge(request):
    """催办: a supervisor urges an overdue task (its holder is notified)."""
    form = UrgeForm(request.POST)
    if not form.is_valid():
        raise Http404
    task = _visible_task(request, form.cleaned_data["task"])
    try:
        services.task_urge(task_pk=task.pk, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        error = exc.messages[0]
    else:
        error = None
    if request.htmx:
        # the team list's row button: answer in place of the button
        return render(request, "workspace/_urged.html", {"error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已催办，已通知办理人。"))
    return _to_case(request, task)

"""Staff workspace pages: task lists, bulk actions, the case workspace, the county dashboard."""

from __future__ import annotations

import copy
import csv
import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from workflows.core import sendback, task_actions, working_days
from workflows.core.flows import case_visible, coerce
from workflows.core.models import County
from workflows.core.working_days import Calendar

from . import dashboard, selectors, services
from .forms import FilterForm, ReassignForm, SendBackForm, TaskForm, TaskSelectionForm, TransferForm, UrgeForm
from .models import CaseIndex

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
        page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
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
    """Inbox, queue, archive or team list: filters, sort, search, pagination; constant queries."""
    return render(request, "workspace/task_list.html", task_list_context(request.user, request.GET, kind))


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


# --- notifications (消息) ------------------------------------------------------------------


def notification_list(request):
    """My notifications, newest first; opening the page leaves them unread until marked read
    (all, or one by following it). The opt-out settings below them."""
    from .forms import NotificationSettingsForm
    from .models import Notification, NotificationSettings

    current = NotificationSettings.objects.filter(user=request.user).first() or NotificationSettings(user=request.user)
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST, instance=current)
        if form.is_valid():
            form.save()
            messages.success(request, _("消息设置已保存。"))
            return redirect("workspace:notifications")
    else:
        form = NotificationSettingsForm(instance=current)
    page = Paginator(
        Notification.objects.filter(user=request.user).select_related("actor").order_by("-created_at", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "workspace/notifications.html", {"page": page, "form": form, "kind": "notifications"})


@require_POST
def notification_read(request):
    """Mark mine read: one (``pk``, then open its case) or all."""
    from . import notifications
    from .models import Notification

    pk = request.POST.get("pk")
    if pk:
        picked = TaskForm({"task": pk})
        if not picked.is_valid():
            raise Http404
        note = get_object_or_404(Notification, pk=picked.cleaned_data["task"], user=request.user)
        notifications.mark_read(user=request.user, pks=[note.pk])
        if note.process_id and Process.objects.filter(pk=note.process_id).exists():
            return redirect("workspace:case", process_pk=note.process_id)
        return redirect("workspace:notifications")
    notifications.mark_read(user=request.user)
    messages.success(request, _("已全部标为已读。"))
    return redirect("workspace:notifications")


# --- documents whose render failed (issue 19) -------------------------------------------


def document_failures(request):
    """文书生成失败: letters and notices of my cases that could not be rendered after every retry."""
    return render(
        request,
        "workspace/document_failures.html",
        {"rows": selectors.failed_documents(request.user), "kind": "document_failures"},
    )


@require_POST
def document_retry(request):
    """Ask again for a failed document; back to the case or to the list (``next``)."""
    from workflows.documents.models import PendingDocument
    from workflows.documents.services import document_render_retry

    picked = TaskForm({"task": request.POST.get("pk")})
    if not picked.is_valid():
        raise Http404
    row = PendingDocument.objects.filter(pk=picked.cleaned_data["task"]).first()
    process = Process.objects.filter(pk=row.process_id).first() if row else None
    if process is None or not case_visible(request.user, process):
        raise Http404
    try:
        document_render_retry(pending=row, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("已重新提交生成，稍后刷新查看。"))
    if request.POST.get("next") == "case":
        return redirect("workspace:case", process_pk=row.process_id)
    return redirect("workspace:document_failures")


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
    from workflows.documents.selectors import documents_for_case, pending_documents_for_case
    from workflows.history import selectors as history

    base = get_object_or_404(Process, pk=process_pk)
    process = coerce(base)
    if not case_visible(request.user, process):
        raise Http404
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
            "send_back": sendback.open_send_back(process),
            "open_notice": notice if notice is not None and notice.is_open() else None,
            "today": timezone.localdate(),
        },
    )


# --- county dashboard ---------------------------------------------------------------------


def _county_or_denied(user, county_pk: int) -> County:
    county = get_object_or_404(County, pk=county_pk)
    if not selectors.dashboard_counties(user).filter(pk=county.pk).exists():
        if not selectors.dashboard_counties(user).exists():
            raise PermissionDenied
        raise Http404
    return county


def county_index(request):
    """The user's (first) county dashboard."""
    county = selectors.dashboard_counties(request.user).first()
    if county is None:
        raise PermissionDenied
    return redirect("workspace:county", county_pk=county.pk)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def county_dashboard(request, county_pk: int):
    county = _county_or_denied(request.user, county_pk)
    year = _year(request)
    rows, stages = dashboard.county_figures(county, year=year)
    trends = dashboard.county_trends(county, year=year)
    return render(
        request,
        "workspace/county.html",
        {
            "kind": "county",
            "county": county,
            "year": year,
            "rows": rows,
            "stages": stages,
            "stage_rows": [(r, [r.by_stage.get(s, 0) for s in stages]) for r in rows],
            "charts": dashboard.dashboard_charts(rows),
            "trends": trends,
            "trends_chart": dashboard.trends_chart(trends, year=year),
            "totals": {
                "open_cases": sum(r.open_cases for r in rows),
                "overdue": sum(r.overdue for r in rows),
                "approvals": sum(r.approvals for r in rows),
                "refusals": sum(r.refusals for r in rows),
                "ta_paid": sum((r.ta_paid for r in rows), dashboard.ZERO),
            },
        },
    )


def county_csv(request, county_pk: int):
    county = _county_or_denied(request.user, county_pk)
    year = _year(request)
    rows, stages = dashboard.county_figures(county, year=year)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="county-{county.code}-{year}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV with a BOM correctly
    writer = csv.writer(response)
    for line in dashboard.csv_rows(rows, stages):
        writer.writerow(line)
    return response

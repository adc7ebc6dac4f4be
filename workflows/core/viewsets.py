"""viewflow's app viewset with every list restricted to the user's regions.

Detail pages are guarded by ``CaseScopeMiddleware`` (404 out of scope); the
lists here filter their querysets so an out-of-scope case never appears.
The queue also drops tasks the user is excluded from by separation of duties
(in SQL: the query count does not grow with the queue), and the inbox shows
the tasks of a principal the user stands in for today.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import F, Func, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from viewflow.utils import viewprop
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import dashboard
from viewflow.workflow.flow.views import list as list_views
from viewflow.workflow.flow.views.detail import DetailProcessView

from .cases import case_scope_q
from .pagination import LimitFirstPaginator
from .scope import user_scope, where_compiled_once

if TYPE_CHECKING:
    from viewflow.workflow.base import Flow
    from viewflow.workflow.models import Process, Task


class _FlowView(Protocol):
    """What the helpers below read of a viewflow list view."""

    request: HttpRequest
    flow_class: type[Flow]


def _scope_processes(view: _FlowView, queryset: QuerySet[Process]) -> QuerySet[Process]:
    return queryset.filter(user_scope(view.request.user).case_filter())


def _with_case(view: _FlowView, queryset: QuerySet[Task]) -> QuerySet[Task]:
    # Load each row's case with the task: rendering a row reads the case
    # (brief, case number), which would otherwise be one query per row.
    model_name = view.flow_class.process_class._meta.model_name
    return queryset.select_related(f"process__{model_name}")


def _scope_tasks(view: _FlowView, queryset: QuerySet[Task]) -> QuerySet[Task]:
    return _with_case(view, queryset.filter(case_scope_q([view.flow_class], view.request.user)))


class ScopedProcessListView(dashboard.DashboardProcessListView):
    def get_queryset(self) -> QuerySet[Process]:
        # viewflow's ``DashboardProcessListView.get_queryset`` annotates
        # ``Count("task", filter=unfinished)``: an aggregate join with every task
        # that the paginator's count keeps too (docs/performance.md, finding 1).
        # Same filter, and the count of unfinished tasks as a correlated subquery:
        # ``count()`` drops it, the page computes it for its rows only.
        queryset = super(dashboard.DashboardProcessListView, self).get_queryset()
        task_class = self.flow_class.task_class
        active = (
            task_class._default_manager.filter(process_id=OuterRef("pk"), finished__isnull=True)
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")
        )
        queryset = queryset.filter(flow_class=self.flow_class).annotate(active_tasks_count=Subquery(active))
        return _scope_processes(self, queryset).order_by("-created")


class ScopedTaskListView(dashboard.DashboardTaskListView):
    @viewprop
    def queryset(self) -> QuerySet[Task]:
        return _scope_tasks(self, super().queryset)


class ScopedInboxView(list_views.FlowInboxListView):
    paginator_class = LimitFirstPaginator

    @viewprop
    def queryset(self) -> QuerySet[Task]:
        manager = self.flow_class.task_class._default_manager
        # ``inbox`` is region-scoped already (``CaseTaskQuerySet.filter_available``)
        queryset = where_compiled_once(manager.inbox([self.flow_class], self.request.user))
        return _with_case(self, queryset).order_by("-created")


class ScopedQueueView(list_views.FlowQueueListView):
    paginator_class = LimitFirstPaginator

    @viewprop
    def queryset(self) -> QuerySet[Task]:
        # viewflow's own queryset (``user_queue(user, flow_class)``) tests permissions with a
        # concatenation no index serves and joins the process for its flow class: the
        # manager's ``queue`` reads the same rows through ``vf_task_new_by_permission``; here
        # with each separation rule as an anti-join of its own (``scope.exclude_separated``).
        manager = self.flow_class.task_class._default_manager
        queryset = where_compiled_once(manager.queue([self.flow_class], self.request.user))
        return _with_case(self, queryset).order_by("-created")


class ScopedArchiveView(list_views.FlowArchiveListView):
    paginator_class = LimitFirstPaginator

    @viewprop
    def queryset(self) -> QuerySet[Task]:
        return _scope_tasks(self, super().queryset)


class ScopedProcessDetailView(DetailProcessView):
    def get_queryset(self) -> QuerySet[Process]:
        return super().get_queryset().filter(user_scope(self.request.user).case_filter())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # viewflow's template offers "Cancel" to everyone; ours only to whom the flow allows it.
        context["can_cancel_process"] = self.flow_class.instance.has_manage_permission(self.request.user, self.object)
        return context


class CaseFlowAppViewset(FlowAppViewset):
    process_list_view_class = ScopedProcessListView
    task_list_view_class = ScopedTaskListView
    inbox_view_class = ScopedInboxView
    queue_view_class = ScopedQueueView
    archive_view_class = ScopedArchiveView
    process_detail_view_class = ScopedProcessDetailView

    def get_context_data(self, request: HttpRequest) -> dict[str, Any]:
        manager = self._flow_class.task_class._default_manager
        return {
            "user_inbox": manager.inbox([self._flow_class], request.user),
            "user_queue": manager.queue([self._flow_class], request.user),
        }

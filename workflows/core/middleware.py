"""Case URLs: 404 outside the user's regions, a clear 403 for separation of duties.

Every URL of a case carries ``process_pk`` (viewflow's process detail,
cancel, chart and each task's index/detail/assign/execute/... page, and any
app page about one case: PDFs, exports, history). Checking here, before the
view, means no view can leak a case's existence with a 403 or render it; the
node and flow checks stay as a second line.

Inside the user's regions, a user whom separation of duties excludes from a
task gets a page saying so when they open its assign or execute URL (the
case's existence is no secret to them).
"""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from viewflow.workflow.models import Process, Task

from .flows import case_readable, case_visible
from .separation import ERR_SEPARATION
from .standins import end_acting

ACTING_URL_NAMES = frozenset({"assign", "execute"})
# The only case URLs a read-only share (``case_readable`` without ``case_visible``) opens:
# the case's pages and its history, never a task, an action or a download of documents.
READ_ONLY_VIEW_NAMES = frozenset({"workspace:case", "history:case"})
READ_ONLY_URL_NAMES = frozenset({"process_detail", "process_chart"})


class CaseScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            # A deputy's "on behalf of" never outlives the request.
            end_acting()

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        process_pk = view_kwargs.get("process_pk")
        if process_pk is None:
            return None
        process = Process.objects.filter(pk=process_pk).first()
        if process is None:
            raise Http404("No case matches the given query.")
        if not case_visible(request.user, process):
            match = request.resolver_match
            read_only_page = match is not None and (
                match.view_name in READ_ONLY_VIEW_NAMES
                or (match.url_name in READ_ONLY_URL_NAMES and view_kwargs.get("task_pk") is None)
            )
            if read_only_page and case_readable(request.user, process):
                return None
            raise Http404("No case matches the given query.")
        task_pk = view_kwargs.get("task_pk")
        if task_pk is None:
            return None
        # viewflow checks that a task belongs to the URL's flow but not to the
        # URL's case: without this, an in-scope process_pk could carry an
        # out-of-scope task_pk.
        task = Task.objects.filter(pk=task_pk, process_id=process_pk).select_related("process").first()
        if task is None:
            raise Http404("No task matches the given query.")
        match = request.resolver_match
        if match is not None and match.url_name in ACTING_URL_NAMES:
            node = task.flow_task
            is_separated = getattr(node, "is_separated", None)
            if is_separated is not None and is_separated(request.user, task):
                return TemplateResponse(
                    request,
                    "core/separation_refused.html",
                    {"message": ERR_SEPARATION, "process": process, "task": task},
                    status=403,
                )
        return None

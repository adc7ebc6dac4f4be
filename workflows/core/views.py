"""Shared views: the task-form base every node view uses, and the home page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic
from viewflow.workflow.activation import Activation
from viewflow.workflow.flow.views import mixins as vf_mixins
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from .types import StaffRequest


class TaskRequest(StaffRequest):
    """For annotations: the request of a task page, with the activation viewflow's node view sets."""

    activation: Activation


def next_task_url(request: StaffRequest, process: Process, done_task: Task | None) -> str:
    """Where the browser goes after a submit (issue 14 item 4): the next task of the same
    case when it is already the user's (a flow that assigns the next step to whoever did
    this one), otherwise the case's workspace page — never viewflow's own case page. Leaves
    a message saying what happened."""
    done_title = done_task.flow_task.task_title if done_task is not None else ""
    following = (
        Task.objects.filter(process_id=process.pk, status=STATUS.ASSIGNED, owner=request.user, flow_task_type="HUMAN")
        .exclude(pk=getattr(done_task, "pk", None))
        .order_by("created", "pk")
        .first()
    )
    if following is not None:
        messages.success(
            request,
            _("已提交“%(done)s”。接下来请办理“%(next)s”。")
            % {"done": done_title, "next": following.flow_task.task_title},
        )
        return following.flow_task.reverse("index", args=[process.pk, following.pk])
    messages.success(request, _("已提交“%(done)s”。") % {"done": done_title})
    return reverse("workspace:case", args=[process.pk])


class CaseTaskFormView(vf_mixins.TaskSuccessUrlMixin, vf_mixins.TaskViewTemplateNames, generic.FormView):
    """Validate a form, call one service, ``activation.execute()``, redirect.

    Subclasses implement ``perform(form)``. A ``ValidationError`` raised by the
    service becomes a form error; the surrounding transaction (viewflow wraps
    POSTs in one, under the flow lock) rolls back, so nothing is half-written.
    """

    template_filename = "task.html"
    request: TaskRequest

    @property
    def activation(self) -> Activation:
        return self.request.activation

    @property
    def process(self) -> Process:
        return self.request.activation.process

    def perform(self, form: Any) -> None:
        raise NotImplementedError

    def get_success_url(self) -> str:
        return next_task_url(self.request, self.activation.process, self.activation.task)

    def form_valid(self, form: forms.BaseForm) -> HttpResponse:
        try:
            self.perform(form)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        self.activation.execute()
        return HttpResponseRedirect(self.get_success_url())


class CaseStartFormView(CaseTaskFormView):
    template_filename = "start.html"

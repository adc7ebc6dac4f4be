"""Shared views: the task-form base every node view uses, and the home page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.views import generic
from viewflow.workflow.flow.views import mixins as vf_mixins


class CaseTaskFormView(vf_mixins.TaskSuccessUrlMixin, vf_mixins.TaskViewTemplateNames, generic.FormView):
    """Validate a form, call one service, ``activation.execute()``, redirect.

    Subclasses implement ``perform(form)``. A ``ValidationError`` raised by the
    service becomes a form error; the surrounding transaction (viewflow wraps
    POSTs in one, under the flow lock) rolls back, so nothing is half-written.
    """

    template_filename = "task.html"

    @property
    def activation(self):
        return self.request.activation

    @property
    def process(self):
        return self.request.activation.process

    def perform(self, form) -> None:
        raise NotImplementedError

    def form_valid(self, form):
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

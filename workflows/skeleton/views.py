from workflows.core.views import CaseStartFormView, CaseTaskFormView

from . import services
from .forms import OpenCaseForm, ReviewForm


class OpenCaseView(CaseStartFormView):
    form_class = OpenCaseForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "townships": services.townships_for_case_worker(self.request.user)}

    def perform(self, form):
        services.case_open(
            process=self.process,
            village=form.cleaned_data["village"],
            summary=form.cleaned_data["summary"],
            actor=self.request.user,
        )


class ReviewView(CaseTaskFormView):
    form_class = ReviewForm

    def perform(self, form):
        services.case_review(
            process=self.process,
            approved=form.cleaned_data["approved"],
            note=form.cleaned_data["note"],
            actor=self.request.user,
        )

from workflows.core.views import CaseStartFormView, CaseTaskFormView

from . import forms, services


class OpenCaseView(CaseStartFormView):
    form_class = forms.OpenCaseForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "townships": services.townships_for_case_worker(self.request.user)}

    def perform(self, form):
        services.case_open(process=self.process, actor=self.request.user, **form.cleaned_data)


class AssistFirstPayView(CaseTaskFormView):
    form_class = forms.AssistFirstPayForm

    def get_initial(self):
        return {"amount": self.process.requested_amount}

    def perform(self, form):
        services.case_assist_first_pay(
            process=self.process, amount=form.cleaned_data["amount"], actor=self.request.user
        )


class CompletePaperworkView(CaseTaskFormView):
    form_class = forms.CompletePaperworkForm

    def perform(self, form):
        services.case_complete_paperwork(process=self.process, actor=self.request.user, **form.cleaned_data)


class EscalationView(CaseTaskFormView):
    form_class = forms.EscalationForm

    def perform(self, form):
        services.case_record_escalation(process=self.process, note=form.cleaned_data["note"], actor=self.request.user)


class _DecisionView(CaseTaskFormView):
    form_class = forms.DecisionForm
    service = None

    def get_initial(self):
        return {"approve": "1", "amount": self.process.requested_amount}

    def perform(self, form):
        type(self).service(process=self.process, actor=self.request.user, **form.cleaned_data)


class TownshipApproveView(_DecisionView):
    service = services.case_township_approve


class CountyApproveView(_DecisionView):
    service = services.case_county_approve


class CaseByCaseView(_DecisionView):
    form_class = forms.CaseByCaseForm
    service = services.case_decide_case_by_case


class PayInstallmentView(CaseTaskFormView):
    form_class = forms.PayInstallmentForm

    def get_initial(self):
        return {"amount": self.process.unpaid_amount()}

    def perform(self, form):
        services.case_pay_installment(process=self.process, amount=form.cleaned_data["amount"], actor=self.request.user)

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from workflows.core.flows import case_visible
from workflows.core.views import CaseStartFormView, CaseTaskFormView
from workflows.dibao.forms import ADD_MEMBER, MAX_MEMBERS, member_formset_adding_row

from . import forms, selectors, services
from .models import Payment, TemporaryAssistanceProcess

ERR_NO_REVERSIBLE_PAYMENT = _("您无权冲销本案件的任何一笔发放。")
MSG_REVERSED = _("已冲销第 %(seq)s 次发放 %(amount)s 元。")


class OpenCaseView(CaseStartFormView):
    """Intake for any household: an existing one, or a new household with its members (formset)."""

    form_class = forms.OpenCaseForm
    template_name = "temporary_assistance/intake.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        # ``?household=<pk>``: a monitoring signal (LI23 主动发现) opens the intake for its
        # household. Only a pk is passed on; the field's queryset is the user's own
        # households, so a pk outside them is simply not offered.
        initial = super().get_initial()
        household = self.request.GET.get("household", "")
        if household.isdecimal() and len(household) <= 18:
            initial["household"] = int(household)
        return initial

    def get_formset(self, bound: bool):
        if not bound:
            return forms.MemberFormSet(prefix="members")
        if ADD_MEMBER in self.request.POST:  # the no-JavaScript "add a row" button
            return member_formset_adding_row(self.request.POST, formset_class=forms.MemberFormSet)
        return forms.MemberFormSet(self.request.POST, prefix="members")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", self.get_formset(bound=False))
        kwargs.update(add_member=ADD_MEMBER, max_members=MAX_MEMBERS, show_errors=not kwargs.get("adding"))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if ADD_MEMBER in request.POST:  # one more member row; nothing is filed, no errors shown yet
            formset = self.get_formset(bound=True)
            return self.render_to_response(self.get_context_data(form=form, formset=formset, adding=True))
        self.formset = self.get_formset(bound=True) if form.registers_new_household else None
        # both are validated so every error shows at once
        valid = form.is_valid() & (self.formset is None or self.formset.is_valid())
        if valid:
            return self.form_valid(form)
        return self.render_to_response(
            self.get_context_data(form=form, formset=self.formset or self.get_formset(bound=False))
        )

    def perform(self, form):
        d = form.cleaned_data
        new = None
        if self.formset is not None:
            new = services.NewHousehold(
                village=d["village"], area=d["area"], address=d["address"], phone=d["phone"],
                bank_account=d["bank_account"], members=self.formset.members(),
            )  # fmt: skip
        services.case_open(
            process=self.process,
            household=None if new else d["household"],
            new_household=new,
            actor=self.request.user,
            **form.case_data(),
        )


class AssistFirstPayView(CaseTaskFormView):
    form_class = forms.AssistFirstPayForm
    # the approver pays on the same facts a decision rests on: the request, its cause, the limit
    template_name = "temporary_assistance/decision.html"

    def get_initial(self):
        return {"amount": self.process.requested_amount}

    def perform(self, form):
        services.case_assist_first_pay(
            process=self.process, amount=form.cleaned_data["amount"], actor=self.request.user
        )


class CompletePaperworkView(CaseTaskFormView):
    form_class = forms.CompletePaperworkForm

    def get_initial(self):
        return {"receipt_amount": self.process.paid_amount()}

    def perform(self, form):
        services.case_complete_paperwork(process=self.process, actor=self.request.user, **form.cleaned_data)


class RecoveryDecisionView(CaseTaskFormView):
    form_class = forms.RecoveryDecisionForm

    def get_initial(self):
        return {"recover": "1", "amount": self.process.paid_amount()}

    def perform(self, form):
        services.case_decide_recovery(process=self.process, actor=self.request.user, **form.cleaned_data)


class EscalationView(CaseTaskFormView):
    form_class = forms.EscalationForm

    def perform(self, form):
        services.case_record_escalation(process=self.process, note=form.cleaned_data["note"], actor=self.request.user)


class _DecisionView(CaseTaskFormView):
    form_class = forms.DecisionForm
    service = None
    # the approver sees the request, its cause and the township's limit next to the form
    template_name = "temporary_assistance/decision.html"

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


class PaymentReverseView(generic.FormView):
    """Staff reverse (part of) a payment of a case with a written reason (TA18 3(3); domain.md §6).

    Out-of-scope cases answer 404 (``CaseScopeMiddleware``, ``process_pk``). Inside the scope,
    only roles that may reverse some payment of the case get the page (township approver:
    township-fund money; county officer: township-fund and county money), others 403. The
    form offers only the payments the user may reverse that have something left; the POST
    calls ``services.payment_reverse``, which re-checks everything under the payment's lock.
    """

    form_class = forms.PaymentReverseForm
    template_name = "temporary_assistance/payment_reverse.html"

    def dispatch(self, request, *args, **kwargs):
        self.process = get_object_or_404(
            TemporaryAssistanceProcess.objects.select_related("township", "county"), pk=kwargs["process_pk"]
        )
        if not case_visible(request.user, self.process):
            raise Http404("No case matches the given query.")
        self.sources = services.reversal_sources_for(request.user, self.process)
        self.payments = list(selectors.case_payments(self.process))
        if not self.sources or (self.payments and not any(p.source in self.sources for p in self.payments)):
            raise PermissionDenied(ERR_NO_REVERSIBLE_PAYMENT)
        self.reversible = [p for p in self.payments if p.source in self.sources and p.remaining > 0]
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "payments": self.reversible}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            process=self.process, payments=self.payments, reversible=self.reversible, **kwargs
        )

    def post(self, request, *args, **kwargs):
        if not self.reversible:
            raise PermissionDenied(ERR_NO_REVERSIBLE_PAYMENT)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        payment: Payment = form.cleaned_data["payment"]
        amount = form.cleaned_data["amount"]
        try:
            services.payment_reverse(
                payment=payment, amount=amount, reason=form.cleaned_data["reason"], actor=self.request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, MSG_REVERSED % {"seq": payment.seq, "amount": f"{amount:,.2f}"})
        if payment.fund_entry_id:
            return redirect("funds:detail", pk=payment.fund_entry.fund_id)
        return redirect("temporary_assistance:payment_reverse", process_pk=self.process.pk)

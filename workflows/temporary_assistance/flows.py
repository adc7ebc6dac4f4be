from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.core.flows import CaseFlow, View, county_of, township_of

from . import views
from .models import TemporaryAssistanceProcess
from .services import can_open_case, paperwork_deadline


class TemporaryAssistanceFlow(CaseFlow):
    process_class = TemporaryAssistanceProcess
    process_title = _("临时救助")
    process_description = _("登记 → 先行救助或分级审批（乡镇 / 县级 / 一事一议）→ 分次发放")
    start_codenames = frozenset({"act_case_worker", "act_village_assistant"})  # who may file (MSL 6)

    # township case worker, or village assistant with the applicant's entrustment
    start = (
        flow.Start(views.OpenCaseView.as_view())
        .Annotation(title=_("受理临时救助申请"))
        .Available(can_open_case)
        .Next(this.is_assist_first)
    )

    # system
    is_assist_first = (
        flow.If(this.assist_first_requested)
        .Annotation(title=_("是否先行救助？"))
        .Then(this.assist_first_pay)
        .Else(this.needs_finance_check)
    )

    # township approver
    assist_first_pay = (
        View(views.AssistFirstPayView.as_view())
        .Annotation(title=_("先行救助发放"))
        .Permission("core.act_approver", obj=township_of)
        .Next(this.complete_paperwork)
    )

    # township case worker
    complete_paperwork = (
        View(views.CompletePaperworkView.as_view())
        .Annotation(title=_("补办登记、签字和核对"))
        .Permission("core.act_case_worker", obj=township_of)
        .OnTimeout(paperwork_deadline, this.mark_escalated, interrupting=False, title=_("补办逾期"))
        .Next(this.needs_after_check)
    )

    # system: the after-the-fact check (TA18 2(2); MSL 17), or every source waived with reasons
    needs_after_check = (
        flow.If(this.after_check_requested)
        .Annotation(title=_("是否进行事后核对？"))
        .Then(this.request_after_check)
        .Else(this.end)
    )
    request_after_check = (
        flow.Function(this.send_after_check_request).Annotation(title=_("提请事后核对")).Next(this.await_after_check)
    )
    await_after_check = (
        flow.Handle(this.record_after_check).Annotation(title=_("等待事后核对结果")).Next(this.after_check_passed)
    )
    after_check_passed = (
        flow.If(this.after_check_ok)
        .Annotation(title=_("事后核对是否通过？"))
        .Then(this.end)
        .Else(this.recovery_decision)
    )

    # county officer: a failed after-the-fact check (SAI 68)
    recovery_decision = (
        View(views.RecoveryDecisionView.as_view())
        .Annotation(title=_("事后核对未通过：追回决定"))
        .Permission("core.act_county_officer", obj=county_of)
        .Next(this.end)
    )

    # system
    mark_escalated = flow.Function(this.record_overdue).Annotation(title=_("逾期报县")).Next(this.escalate_to_county)

    # county officer
    escalate_to_county = (
        View(views.EscalationView.as_view())
        .Annotation(title=_("县级督办补办手续"))
        .Permission("core.act_county_officer", obj=county_of)
        .Next(this.end)
    )

    # system
    needs_finance_check = (
        flow.If(this.finance_check_required)
        .Annotation(title=_("是否需要家庭经济状况核对？"))
        .Then(this.request_finance_check)
        .Else(this.route_tier)
    )
    request_finance_check = (
        flow.Function(this.send_finance_check_request).Annotation(title=_("申请核对")).Next(this.await_finance_check)
    )
    await_finance_check = (
        flow.Handle(this.record_finance_check).Annotation(title=_("等待核对结果")).Next(this.route_tier)
    )
    route_tier = (
        flow.Switch()
        .Annotation(title=_("分级审批"))
        .Case(this.township_approve, this.township_tier)
        .Case(this.county_approve, this.county_tier)
        .Case(this.case_by_case_decision, this.case_by_case_tier)
    )

    # township approver
    township_approve = (
        View(views.TownshipApproveView.as_view())
        .Annotation(title=_("乡镇审批"))
        .Permission("core.act_approver", obj=township_of)
        .Next(this.township_approved)
    )
    township_approved = (
        flow.If(this.approved).Annotation(title=_("乡镇是否批准？")).Then(this.township_paid).Else(this.refused)
    )
    township_paid = (
        flow.If(this.fully_paid).Annotation(title=_("是否已全部发放？")).Then(this.end).Else(this.township_pay)
    )
    township_pay = (
        View(views.PayInstallmentView.as_view())
        .Annotation(title=_("乡镇分次发放"))
        .Permission("core.act_approver", obj=township_of)
        .Next(this.township_paid)
    )

    # county officer
    county_approve = (
        View(views.CountyApproveView.as_view())
        .Annotation(title=_("县级审批"))
        .Permission("core.act_county_officer", obj=county_of)
        .Next(this.county_approved)
    )
    case_by_case_decision = (
        View(views.CaseByCaseView.as_view())
        .Annotation(title=_("一事一议"))
        .Permission("core.act_county_officer", obj=county_of)
        .Next(this.county_approved)
    )
    county_approved = (
        flow.If(this.approved).Annotation(title=_("县级是否批准？")).Then(this.county_paid).Else(this.refused)
    )
    county_paid = flow.If(this.fully_paid).Annotation(title=_("是否已全部发放？")).Then(this.end).Else(this.county_pay)
    county_pay = (
        View(views.PayInstallmentView.as_view())
        .Annotation(title=_("县级分次发放"))
        .Permission("core.act_county_officer", obj=county_of)
        .Next(this.county_paid)
    )

    refused = flow.End().Annotation(title=_("不予救助"))
    end = flow.End().Annotation(title=_("办结"))

    # --- conditions: named methods on the process model -------------------------
    def assist_first_requested(self, activation):
        return activation.process.coerced.is_assist_first()

    def finance_check_required(self, activation):
        return activation.process.coerced.needs_finance_check()

    def after_check_requested(self, activation):
        return activation.process.coerced.after_check_requested()

    def after_check_ok(self, activation):
        return activation.process.coerced.after_check_passed()

    def township_tier(self, activation):
        return activation.process.coerced.is_township_tier()

    def county_tier(self, activation):
        return activation.process.coerced.is_county_tier()

    def case_by_case_tier(self, activation):
        return activation.process.coerced.is_case_by_case()

    def approved(self, activation):
        return activation.process.coerced.is_approved()

    def fully_paid(self, activation):
        return activation.process.coerced.is_fully_paid()

    # --- system steps: each calls one service -----------------------------------
    def record_overdue(self, activation):
        from .services import case_mark_escalated

        case_mark_escalated(process=activation.process.coerced)

    def send_finance_check_request(self, activation):
        from .services import case_request_finance_check

        case_request_finance_check(process=activation.process.coerced)

    def send_after_check_request(self, activation):
        from .services import case_request_after_check

        case_request_after_check(process=activation.process.coerced)

    def record_after_check(self, activation, check_ref: str, outcome: str):
        from .services import case_record_after_check

        case_record_after_check(process=activation.process.coerced, check_ref=check_ref, outcome=outcome)

    def record_finance_check(self, activation, check_ref: str, outcome: str):
        from .services import case_record_finance_check

        case_record_finance_check(process=activation.process.coerced, check_ref=check_ref, outcome=outcome)

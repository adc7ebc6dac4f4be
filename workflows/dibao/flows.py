"""The dibao (低保) and 特困 node graphs. Rules live in services.py; routing
conditions are named properties/methods of ``DibaoProcess``.

Both programmes share one graph (``_CaseGraph``); each flow class has its own
start node (the intake forms differ: 特困 captures TK 4-8 at intake). The
graph is declared on a plain mixin so each flow class copies and resolves
unbound nodes of its own.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import act, flow

from workflows.core.flows import CaseFlow, View, county_of, township_of

from . import services, views
from .models import DibaoProcess


class _CaseGraph:
    # 退回: the earlier human steps each node may send its case back to (the engine's
    # workflows.core.sendback reads this; the step must have been done in the case).
    # After a redone ``propose`` the ``is_direct_return`` If below takes the case
    # straight back to the sender (直达); after a redone signature the graph's own
    # order leads back to it. Re-investigation (home_visit) is followed by a new
    # opinion, which then returns directly.
    send_back_targets = {
        "sign_handler": ("propose", "home_visit"),
        "sign_section_chief": ("propose", "home_visit", "sign_handler"),
        "sign_township_head": ("propose", "home_visit", "sign_handler", "sign_section_chief"),
    }

    # township case worker: acceptance (MSL 10)
    accept = (
        View(views.AcceptView.as_view())
        .Annotation(title=_("受理审查"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.has_missing_materials)
    )
    has_missing_materials = (
        flow.If(act.process.has_missing_materials)
        .Annotation(title=_("材料是否齐全？"))
        .Then(this.notify_missing)
        .Else(this.request_check)
    )
    notify_missing = (
        flow.Function(this.issue_missing_notice).Annotation(title=_("一次性告知")).Next(this.complete_materials)
    )
    complete_materials = (
        View(views.CompleteMaterialsView.as_view())
        .Annotation(title=_("补齐材料"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.accept)
    )

    # system: household-finance check by the county (MSL 9, 17)
    request_check = (
        flow.Function(this.start_finance_check).Annotation(title=_("提请核对")).Next(this.await_finance_check)
    )
    await_finance_check = (
        flow.Handle(this.record_finance_check).Annotation(title=_("等待核对结果")).Next(this.home_visit)
    )

    # township case worker: home visit by two investigators (MSL 16)
    home_visit = (
        View(views.HomeVisitView.as_view())
        .Annotation(title=_("入户调查"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.needs_county_visit)
    )
    needs_county_visit = (
        flow.If(act.process.needs_county_visit)
        .Annotation(title=_("近亲属备案？"))
        .Then(this.county_home_visit)
        .Else(this.propose)
    )

    # county officer: own home visit for staff-relative cases (MSL 20)
    county_home_visit = (
        View(views.CountyHomeVisitView.as_view())
        .Annotation(title=_("县级入户核查"))
        .Permission("core.act_county_officer", obj=county_of)
        .Next(this.propose)
    )

    # township case worker: preliminary opinion with the amount (MSL 19, 23);
    # after a send-back (退回) it goes straight back to the step that sent it (直达)
    propose = (
        View(views.ProposeView.as_view())
        .Annotation(title=_("提出初审意见"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.is_direct_return)
    )
    is_direct_return = (
        flow.If(act.process.returns_directly)
        .Annotation(title=_("退回后重新提交？"))
        .Then(this.return_to_sender)
        .Else(this.goes_to_notice)
    )
    return_to_sender = (
        flow.Switch()
        .Annotation(title=_("直达退回环节"))
        .Case(this.sign_handler, act.process.returns_to_sign_handler)
        .Case(this.sign_section_chief, act.process.returns_to_sign_section_chief)
        .Default(this.sign_township_head)
    )
    goes_to_notice = (
        flow.If(act.process.goes_to_notice)
        .Annotation(title=_("拟确认？"))
        .Then(this.post_notice)
        .Else(this.sign_handler)
    )

    # system: 7-day public notice; no node closes it early (MSL 19, TK 15)
    post_notice = flow.Function(this.publish_notice).Annotation(title=_("张贴公示")).Next(this.notice_period)
    notice_period = flow.Timer(act.process.notice_ends_at).Annotation(title=_("公示期（7天）")).Next(this.has_objection)
    has_objection = (
        flow.If(act.process.has_objection)
        .Annotation(title=_("公示有异议？"))
        .Then(this.choose_objection_route)
        .Else(this.sign_handler)
    )

    # township approver: how to handle the objection
    choose_objection_route = (
        View(views.ObjectionRouteView.as_view())
        .Annotation(title=_("确定异议处理方式"))
        .Permission("core.act_approver", obj=township_of)
        .Next(this.route_is_reinvestigation)
    )
    route_is_reinvestigation = (
        flow.If(act.process.route_is_reinvestigation)
        .Annotation(title=_("重新调查？"))
        .Then(this.re_investigate)
        .Else(this.democratic_appraisal)
    )

    # township case worker: re-investigation or democratic appraisal, then a new opinion
    re_investigate = (
        View(views.ReinvestigateView.as_view())
        .Annotation(title=_("重新调查核实"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.propose)
    )
    democratic_appraisal = (
        View(views.AppraisalView.as_view())
        .Annotation(title=_("民主评议"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.propose)
    )

    # township case worker, then approvers: signatures in turn (MSL 21)
    sign_handler = (
        View(views.SignHandlerView.as_view())
        .Annotation(title=_("经办人签字"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.sign_section_chief)
    )
    sign_section_chief = (
        View(views.SignSectionChiefView.as_view())
        .Annotation(title=_("股室负责人签字"))
        .Permission("core.act_approver", obj=township_of)
        .Next(this.sign_township_head)
    )
    sign_township_head = (
        View(views.DecideView.as_view())
        .Annotation(title=_("乡镇负责人审核确认"))
        .Permission("core.act_approver", obj=township_of)
        .Next(this.is_approved)
    )
    is_approved = (
        flow.If(act.process.is_approved).Annotation(title=_("确认享受？")).Then(this.approve).Else(this.refuse)
    )

    # system: letters, payment start, sampling pool (MSL 21; TK 16)
    approve = flow.Function(this.issue_approval).Annotation(title=_("发放确认通知")).Next(this.end_approved)
    refuse = flow.Function(this.issue_refusal).Annotation(title=_("书面告知不予确认")).Next(this.end_refused)

    end_approved = flow.End().Annotation(title=_("办结（确认享受）"))
    end_refused = flow.End().Annotation(title=_("办结（不予确认）"))

    # --- node callbacks: one service each --------------------------------------
    def issue_missing_notice(self, activation):
        services.dibao_notify_missing(process=activation.process)

    def start_finance_check(self, activation):
        services.dibao_request_check(process=activation.process)

    def record_finance_check(self, activation, check_id: int, outcome: str, result: dict):
        services.dibao_record_check(process=activation.process, check_id=check_id, outcome=outcome, result=result)

    def publish_notice(self, activation):
        services.notice_post(process=activation.process)

    def issue_approval(self, activation):
        services.dibao_issue_approval(process=activation.process)

    def issue_refusal(self, activation):
        services.dibao_issue_refusal(process=activation.process)


class DibaoFlow(_CaseGraph, CaseFlow):
    process_class = DibaoProcess
    process_title = _("最低生活保障审核确认")
    process_description = _("申请 → 受理 → 核对 → 入户调查 → 初审 → 公示 → 审核确认")
    start_codenames = frozenset({"act_case_worker", "act_village_assistant"})  # who may file (MSL 6)

    # township case worker or village assistant (written entrustment, MSL 6)
    start = (
        flow.Start(views.DibaoStartView.as_view())
        .Annotation(title=_("低保申请登记"))
        .Available(services.can_file)
        .Next(this.accept)
    )


class TekunFlow(_CaseGraph, CaseFlow):
    process_class = DibaoProcess
    process_title = _("特困人员认定")
    process_description = _("申请 → 受理 → 核对 → 入户调查 → 初审 → 公示 → 认定（TK 13-16）")
    start_codenames = frozenset({"act_case_worker", "act_village_assistant"})  # who may file (MSL 6)

    # township case worker or village assistant (written entrustment)
    start = (
        flow.Start(views.TekunStartView.as_view())
        .Annotation(title=_("特困申请登记"))
        .Available(services.can_file)
        .Next(this.accept)
    )


class LowIncomeFlow(_CaseGraph, CaseFlow):
    # LB24, LI23 (domain.md §8): the same steps as dibao (application, consent-gated check,
    # home visit, 7-day notice, township decision); the approval recognises, it pays nothing.
    process_class = DibaoProcess
    process_title = _("低收入家庭认定")
    process_description = _("申请 → 受理 → 核对 → 入户调查 → 初审 → 公示 → 认定（LB24）")
    start_codenames = frozenset({"act_case_worker", "act_village_assistant"})  # who may file (MSL 6)

    # township case worker or village assistant (written entrustment)
    start = (
        flow.Start(views.LowIncomeStartView.as_view())
        .Annotation(title=_("低收入家庭认定申请登记"))
        .Available(services.can_file)
        .Next(this.accept)
    )

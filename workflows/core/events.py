"""The registry of audit actions: one declaration per action (issue 20 item 7).

Every ``AuditEvent.action`` written through ``workflows.core.audit.audit_record`` is
declared here with

- its **name** (``"dibao.propose"``: ``<app>.<what happened>``, lower case),
- its **label**, the words the auditor's timeline, the case page and the case file show,
- its **personal** fields: keys of the event's ``changes``/``data`` whose values are
  personal data (ID numbers, phones, names of relatives…); the replay and the case file
  mask them (the full case-file export, which is logged, shows them).

Fields whose *name* says they are personal (``PERSONAL_MARKERS``: ``id_number``, ``phone``,
``bank``, ``address``, health) are masked for every action, declared or not; ``personal=``
adds the ones a name does not give away.

Adding an action: one line below, in its app's group::

    event("dibao.reinvestigate", _("重新调查核实"))
    event("dibao.staff_register_change", _("工作人员近亲属名录：修改登记"), personal=("relative_name",))

``audit_record`` checks the name (``check_action``); an unregistered name fails the tests.

A leaf module: it imports nothing from the project, so every app (core included) can
import it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

#: Substrings of a field name that make its value personal, whatever the action.
PERSONAL_MARKERS = ("id_number", "phone", "bank", "address", "illness", "disab", "health", "diagnosis")


@dataclass(frozen=True)
class EventType:
    name: str
    label: Promise | str
    personal: frozenset[str] = frozenset()


REGISTRY: dict[str, EventType] = {}


class UnregisteredAction(LookupError):
    """An audit action written without a declaration in ``workflows.core.events``."""


def event(name: str, label: Promise | str, *, personal: tuple[str, ...] = ()) -> EventType:
    """Declare one action (a second declaration of the same name is a mistake)."""
    if name in REGISTRY:
        raise ValueError(f"audit action {name!r} declared twice")
    REGISTRY[name] = declared = EventType(name=name, label=label, personal=frozenset(personal))
    return declared


def get(name: str) -> EventType | None:
    return REGISTRY.get(name)


def label(name: str) -> str:
    """The action in words; the name itself for an unknown (e.g. retired) action."""
    declared = REGISTRY.get(name)
    return str(declared.label) if declared else name


def is_personal_field(field: str, *, action: str = "") -> bool:
    """Whether the value of ``field`` in an event of ``action`` is personal data."""
    lowered = field.lower()
    if any(marker in lowered for marker in PERSONAL_MARKERS):
        return True
    declared = REGISTRY.get(action)
    return bool(declared and field in declared.personal)


def check_action(name: str) -> None:
    """Refuse an undeclared action under tests and DEBUG; log it in production.

    In production the event is still written: ``audit_record`` runs inside the state
    change's transaction, so raising there would roll back a payment or a decision over a
    missing label (the event itself, with its name, is complete and hashed; only its
    words are missing). Tests and development, where every action is exercised, fail
    loudly instead, so an undeclared action never reaches production unnoticed.
    """
    if name in REGISTRY:
        return
    if settings.DEBUG or getattr(settings, "AUDIT_STRICT_ACTIONS", False):
        raise UnregisteredAction(f"audit action {name!r} is not declared in workflows/core/events.py")
    logger.error("audit action %r is not declared in workflows/core/events.py", name)


# --- case lifecycle and tasks (viewflow signals, workflows/history/signals.py) -------------
event("flow.started", _("案件启动"))
event("demo.fast_forward", _("演示：计时快进"))
event("flow.finished", _("案件办结"))
event("task.created", _("任务生成"))
event("task.assigned", _("任务认领"))
event("task.unassigned", _("任务退回待认领"))
event("task.reassigned", _("任务改派"))
event("task.started", _("任务开始"))
event("task.finished", _("任务完成"))
event("task.cancelled", _("任务取消"))
event("task.failed", _("任务出错"))
event("task.revived", _("任务恢复"))
event("task.withdrawn", _("撤回"))
event("task.transferred", _("转办"))
event("task.urged", _("催办"))
# dibao and 特困 (MSL, TK)
event("dibao.file", _("申请登记"))
event("dibao.accept", _("受理审查"))
event("dibao.materials_missing", _("材料不全"))
event("dibao.missing_notice", _("一次性告知补齐材料"))
event("dibao.materials_completed", _("材料已补齐"))
event("dibao.staff_relative_registered", _("近亲属单独登记备案"))
event("dibao.staff_register_create", _("工作人员近亲属名录：新增登记"), personal=("relative_name",))
event("dibao.staff_register_change", _("工作人员近亲属名录：修改登记"), personal=("relative_name",))
event("dibao.staff_register_delete", _("工作人员近亲属名录：删除登记"), personal=("relative_name",))
event("dibao.staff_register_import", _("工作人员近亲属名录：批量导入"))
event("dibao.check_requested", _("提请家庭经济状况核对"))
event("dibao.check_recorded", _("核对结果记录"))
event("dibao.check_failure_notice", _("告知核对结果（不符合条件）"))
event("dibao.check_objection", _("核对结果异议，重新核对"))
event("dibao.home_visit", _("入户调查"))
event("dibao.county_home_visit", _("县级入户核查"))
event("dibao.propose", _("提出初审意见"))
event("dibao.notice_posted", _("张贴公示"))
event("dibao.objection", _("公示异议"))
event("dibao.objection_route", _("确定异议处理方式"))
event("dibao.objections_resolved", _("异议处理完毕"))
event("dibao.reinvestigate", _("重新调查核实"))
event("dibao.appraisal", _("民主评议"))
event("dibao.extend", _("延长办理期限"))
event("dibao.deadline_recomputed", _("节假日安排调整，重新计算办理期限"))
event("dibao.overdue", _("逾期提醒"))
event("dibao.sign_handler", _("经办人签字"))
event("dibao.sign_section_chief", _("股室负责人签字"))
event("dibao.sign_township_head", _("乡镇负责人签字"))
event("dibao.decide", _("审核确认决定"))
# 低收入家庭认定 (LB24): the county's register of recognised households exported as CSV
event("dibao.recognised_register_exported", _("导出低收入家庭名册"))
event("dibao.approval_issued", _("发放确认通知"))
event("dibao.refusal_issued", _("书面告知不予确认"))
event("dibao.sampling_pool", _("纳入抽查范围"))
event("dibao.benefit_stopped", _("停发救助金"))
event("dibao.terminated", _("终止审核确认程序（MSL 29）"))
event("dibao.termination_issued", _("出具终止审核确认决定书"))
# caseload: benefits after approval (MSL 21, 31, 32; N22 1(3))
event("caseload.benefit_open", _("登记在保记录"))
event("caseload.benefit_change", _("保障变更决定"))
event("caseload.recheck_scheduled", _("安排复核"))
event("caseload.recheck_scheduled_caseload", _("为全县在保家庭安排复核"))
event("caseload.recheck_brought_forward", _("提前复核（死亡或收入变化）"))
event("caseload.recheck_check_requested", _("复核：提请信息核对"))
event("caseload.recheck_check_recorded", _("复核：核对结果返回"))
event("caseload.recheck_visit", _("复核：入户核查"))
event("caseload.recheck_decided", _("复核结论"))
event("caseload.benefit_migrated", _("从原系统迁入在保记录"))
event("caseload.import", _("导入原系统在保名册"))
event("caseload.benefit_numbered", _("为无案件的在保记录编号"))

# payroll: the monthly payment roll (domain.md §8, YKT19)
event("payroll.generate", _("生成发放名册"))
event("payroll.freeze", _("审核冻结发放名册"))
event("payroll.exported", _("导出发放名册（含完整身份证号码和账户）"))
event("payroll.line_returned", _("登记发放退回"))
event("payroll.reissue_ready", _("更正收款账户，安排重发"))
event("payroll.deduction_ordered", _("决定从发放中扣减追回"))
# appeals against decision and change letters (SAI 65)
event("appeals.recorded", _("登记行政复议或行政诉讼"))
event("appeals.decided", _("登记行政复议或行政诉讼结果"))
event("appeals.redecision_opened", _("撤销不予确认决定后待重新决定"))
event("appeals.redecided", _("撤销后重新作出决定"))
# temporary assistance (TA18)
event("case.open", _("临时救助申请登记"))
event("case.assist_first", _("先行救助发放"))
event("case.paperwork_completed", _("补办手续完成"))
event("case.paperwork_overdue", _("补办手续逾期"))
event("case.escalation_handled", _("县级处理逾期补办"))
event("case.finance_check_requested", _("提请家庭经济状况核对"))
event("case.finance_check_recorded", _("核对结果记录"))
event("case.township_decision", _("乡镇审批决定"))
event("case.county_decision", _("县级审批决定"))
event("case.case_by_case_decision", _("一事一议决定"))
event("case.payment", _("发放救助金"))
event("case.payment_reversed", _("冲销救助金"))
event("case.receipt", _("领取签收"))
# one window, joint handling (SAI 60) and case conferences (workflows/cooperation)
event("cooperation.referral_create", _("转介其他部门专项救助"))
event("cooperation.referral_answer", _("登记部门转介答复"))
event("cooperation.conference_record", _("记录个案会商"))
event("cooperation.conference_action_create", _("会商后续事项"))
event("cooperation.conference_action_close", _("会商后续事项办结"))
# dynamic monitoring (LI23; workflows/monitoring)
event("monitoring.signal_receive", _("接收动态监测预警信息"))
event("monitoring.signal_unmatched", _("预警信息未匹配到在册人员（县级核查）"))
event("monitoring.signal_case", _("预警信息处置：主动受理救助申请"))
event("monitoring.signal_recheck", _("预警信息处置：启动在保家庭复核"))
event("monitoring.signal_referral", _("预警信息处置：转介其他部门"))
event("monitoring.signal_dismissal", _("预警信息处置：经核实无需处置"))
event("monitoring.signal_overdue", _("预警信息逾期未处置"))
event("monitoring.batch_upload", _("导入部门预警数据"))
event("case.emergency_place", _("急难发生地救助：通知户籍地乡镇"))
event("case.after_check_requested", _("先行救助事后核对：提请家庭经济状况核对"))
event("case.after_check_recorded", _("先行救助事后核对结果"))
event("case.recovery_decision", _("先行救助事后核对未通过：追回决定"))
# workspace
event("case.sent_back", _("退回"))
event("case.resubmitted", _("退回后重新提交"))
event("case.on_behalf", _("代理办理"))
# county supervision (§7)
event("sampling.approval_register", _("纳入抽查样本池"))
event("sampling.approval_amount", _("样本金额更新"))
event("sampling.approval_actor_add", _("记录经办人员"))
event("sampling.complaint_register", _("登记投诉"))
event("sampling.review_open", _("抽查复核开始"))
event("sampling.review_decide", _("抽查复核结论"))
event("sampling.correction_complete", _("整改完成"))
event("sampling.correction_overdue", _("整改逾期"))
event("sampling.revoke", _("撤销审批（停保、追回）"))
event("sampling.recovery_settle", _("追回款项已结清"))
# documents, evidence, applicant side, auditors
event("document.issued", _("出具文书"))
event("document.superseded", _("文书作废替换"))
event("document.downloaded", _("下载文书"))
event("document.render_failed", _("文书生成失败"))
event("document.render_retried", _("重新生成文书"))
event("finance_check.requested", _("核对请求"))
event("finance_check.refused", _("核对被拒绝（缺少授权）"))
event("finance_check.halted", _("核对授权撤回，停止查询"))
event("finance_check.resumed", _("核对授权已补签，继续查询"))
event("finance_check.evidence", _("核对证据入库"))
event("finance_check.manual_evidence", _("人工补录证明材料"))
event("finance_check.evaluated", _("核对结论"))
event("portal.notification_queued", _("通知待发送"))
event("portal.notification_sent", _("通知已发送"))
event("portal.notification_failed", _("通知发送失败"))
event("portal.otp_sent", _("发送查询验证码"))
event("portal.otp_used", _("验证码已使用"))
event("portal.preferences", _("申请人通知偏好"))
event("history.viewed", _("审计查看"))
event("history.exported", _("审计导出案卷"))
# the full case-file export with ID numbers (issue 14 §6); routed to the personal-data log
event("history.case_file_full_export", _("审计导出完整案卷（含完整身份证号码）"))
# skeleton (the sample process)
event("case.review", _("审核"))
# configuration, calendar, staff (core admin and permissions)
event("config.create", _("新增规则版本"))
event("config.change", _("修改规则版本"))
event("config.correct", _("更正规则版本"))
event("config.withdraw", _("撤回规则版本"))
event("config.bands", _("修改低保金额分档"))
event("calendar.create", _("新增节假日安排"))
event("calendar.change", _("修改节假日安排"))
event("calendar.delete", _("删除节假日安排"))
event("calendar.year_loaded", _("导入全年节假日安排"))
event("calendar.year_change", _("修改全年节假日安排"))
event("calendar.year_removed", _("删除全年节假日安排"))
event("staff.grant", _("授予岗位权限"))
event("staff.revoke", _("撤销岗位权限"))
event("staff.lock", _("锁定账户"))
event("staff.unlock", _("解锁账户"))
event("staff.otp_enrol", _("绑定两步验证"))
event("staff.otp_reset", _("管理员重置两步验证"))
event("staff.otp_failure", _("两步验证码错误"))
event("staff.otp_recovery_used", _("使用恢复码登录"))
# personal-data access log (PIPL; workflows/core/pii.py)
event("pii.viewed", _("查看完整个人信息"))
event("pii.exported", _("导出完整个人信息"))
event("standin.create", _("设定代理人"))
event("standin.revoke", _("撤销代理人"))
# county reserve funds (workflows/funds: "fund.<FundEntry.Kind>")
event("fund.open", _("开设备用金"))
event("fund.allocation", _("县级拨付备用金"))
event("fund.replenishment", _("县级补充备用金"))
event("fund.payment", _("备用金支出"))
event("fund.reversal", _("备用金冲销退回"))
event("sampling.draw", _("抽取抽查样本"))
event("portal.integration_client_created", _("新增对接系统"))

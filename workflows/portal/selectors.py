"""What the applicant (or an integrating system) may read about a case.

``public_status`` returns a ``PublicStatus``: the stage in plain language,
what happens next, the deadline, missing materials, letters, the open notice
and the appeal rights. It has no field for staff names, internal notes,
investigation findings or evidence, so a template cannot show them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import STATUS

from workflows.dibao import services as dibao_services
from workflows.dibao.models import Decision, DibaoProcess, NoticeRound
from workflows.dibao.selectors import deadline_of
from workflows.documents.models import CaseDocument
from workflows.documents.selectors import documents_for_case

LETTER_KINDS = (CaseDocument.Kind.APPROVAL_LETTER, CaseDocument.Kind.REFUSAL_LETTER)

# Active node -> (stage key, stage in plain language, what happens next).
STAGES = {
    "start": ("submitted", _("已提交申请"), _("乡镇民政窗口将审查您的材料，一般在几个工作日内受理。")),
    "accept": ("submitted", _("已提交，等待乡镇受理"), _("乡镇工作人员正在审查您的申请材料。")),
    "notify_missing": ("materials", _("需要补充材料"), _("请按下面列出的清单，一次性把材料补齐交到乡镇民政窗口。")),
    "complete_materials": (
        "materials",
        _("需要补充材料"),
        _("请按下面列出的清单，一次性把材料补齐交到乡镇民政窗口。"),
    ),
    "request_check": ("check", _("正在核对家庭经济状况"), _("县民政局正在核对家庭收入和财产信息，您不需要做什么。")),
    "await_finance_check": (
        "check",
        _("正在核对家庭经济状况"),
        _("县民政局正在核对家庭收入和财产信息，您不需要做什么。"),
    ),
    "home_visit": ("visit", _("入户调查"), _("工作人员会到您家了解情况，请保持电话畅通。")),
    "county_home_visit": ("visit", _("入户调查"), _("县民政局工作人员会到您家了解情况，请保持电话畅通。")),
    "re_investigate": ("visit", _("重新调查核实"), _("公示期间有人提出异议，工作人员正在重新核实。")),
    "democratic_appraisal": ("review", _("民主评议"), _("公示期间有人提出异议，村（社区）正在组织评议。")),
    "choose_objection_route": ("review", _("处理公示异议"), _("公示期间有人提出异议，乡镇正在决定如何核实。")),
    "propose": ("review", _("乡镇审核中"), _("乡镇正在根据调查和核对结果提出初审意见。")),
    "post_notice": ("notice", _("公示中"), _("初审意见在村（社区）公示 7 天，期满无异议后作出决定。")),
    "notice_period": ("notice", _("公示中"), _("初审意见在村（社区）公示 7 天，期满无异议后作出决定。")),
    "sign_handler": ("decision", _("等待审批决定"), _("乡镇正在履行审批手续，作出决定后会通知您。")),
    "sign_section_chief": ("decision", _("等待审批决定"), _("乡镇正在履行审批手续，作出决定后会通知您。")),
    "sign_township_head": ("decision", _("等待审批决定"), _("乡镇正在履行审批手续，作出决定后会通知您。")),
}
STAGE_APPROVED = ("approved", _("已确认享受"), _("从下面写明的月份起，保障金每月发放到您登记的账户。"))
STAGE_REFUSED = ("refused", _("不予确认"), _("请下载不予确认决定书，查看理由。如不服，可以申请复议或提起诉讼。"))
STAGE_UNKNOWN = ("review", _("办理中"), _("乡镇正在办理您的申请。"))

APPEAL_RIGHTS = _(
    "对审核确认决定不服的，可以自收到决定书之日起 60 日内向县级人民政府申请行政复议，"
    "或者自收到决定书之日起 6 个月内向人民法院提起行政诉讼（《最低生活保障审核确认办法》第二十一条、"
    "第三十八条；《社会救助暂行办法》第六十五条）。"
)
OBJECTION_HOW = _(
    "公示期间，任何人（包括您本人）认为公示内容有误的，都可以通过下面的异议表或到乡镇民政窗口提出异议，可以匿名。"
)


@dataclass(frozen=True)
class PublicLetter:
    id: int
    kind: str
    title: str
    issued_on: datetime.date


@dataclass(frozen=True)
class PublicNotice:
    round: int
    posted_on: datetime.date
    ends_on: datetime.date
    open: bool
    token: str
    objection_url: str


@dataclass(frozen=True)
class PublicStatus:
    """The whole public face of a case (MSL 24: no personal data beyond the case number)."""

    case_number: str
    programme: str
    township: str
    stage: str
    stage_label: str
    next_step: str
    submitted_on: datetime.date | None
    accepted_on: datetime.date | None
    due_on: datetime.date | None
    working_days_left: int | None
    overdue: bool
    due_provisional: bool = False  # ends in a year whose official schedule is not loaded
    missing_materials: list[str] = field(default_factory=list)
    letters: list[PublicLetter] = field(default_factory=list)
    notice: PublicNotice | None = None
    objection_how: str = str(OBJECTION_HOW)
    decision: str = ""
    monthly_amount: object = None
    payment_starts: datetime.date | None = None
    appeal_rights: str = str(APPEAL_RIGHTS)


def active_node_names(process: DibaoProcess) -> list[str]:
    tasks = process.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).order_by("pk")
    return [t.flow_task.name for t in tasks if t.flow_task is not None]


def _stage(process: DibaoProcess):
    if process.decision == Decision.APPROVED and process.status == "DONE":
        return STAGE_APPROVED
    if process.decision == Decision.REFUSED and process.status == "DONE":
        return STAGE_REFUSED
    for name in reversed(active_node_names(process)):
        if name in STAGES:
            return STAGES[name]
    return STAGE_UNKNOWN


def letters_of(process: DibaoProcess) -> list[PublicLetter]:
    docs = documents_for_case(process.pk).filter(kind__in=LETTER_KINDS, superseded_by__isnull=True)
    return [
        PublicLetter(d.pk, d.kind, str(d.get_kind_display()), timezone.localtime(d.created_at).date()) for d in docs
    ]


def public_letter(process: DibaoProcess, document_id: int) -> CaseDocument | None:
    """A decision letter of this case (never another kind of document)."""
    return (
        documents_for_case(process.pk).filter(pk=document_id, kind__in=LETTER_KINDS, superseded_by__isnull=True).first()
    )


def current_notice(process: DibaoProcess) -> NoticeRound | None:
    return process.current_notice


def _notice(process: DibaoProcess) -> PublicNotice | None:
    notice = current_notice(process)
    if notice is None:
        return None
    return PublicNotice(
        round=notice.round,
        posted_on=timezone.localtime(notice.posted_at).date(),
        ends_on=timezone.localtime(notice.ends_at).date(),
        open=notice.is_open(),
        token=notice.token,
        objection_url=reverse("dibao:public_objection", kwargs={"token": notice.token}),
    )


def public_status(process: DibaoProcess, *, today: datetime.date | None = None) -> PublicStatus:
    stage, label, next_step = _stage(process)
    deadline = deadline_of(process, today=today)
    missing = []
    if process.missing_materials and process.accepted_on is None:
        missing = [str(dibao_services.MATERIALS.get(k, k)) for k in process.missing_materials]
    done = process.status == "DONE"
    return PublicStatus(
        case_number=process.case_number,
        programme=str(process.get_programme_display()),
        township=process.township.name,
        stage=stage,
        stage_label=str(label),
        next_step=str(next_step),
        submitted_on=timezone.localtime(process.created).date() if process.created else None,
        accepted_on=process.accepted_on,
        due_on=None if done else deadline.due_on,
        working_days_left=None if done else deadline.working_days_left,
        overdue=False if done else deadline.overdue,
        due_provisional=False if done else deadline.provisional,
        missing_materials=missing,
        letters=letters_of(process),
        notice=_notice(process),
        decision=process.decision if done else "",
        monthly_amount=process.monthly_amount if done and process.decision == Decision.APPROVED else None,
        payment_starts=process.payment_starts if done and process.decision == Decision.APPROVED else None,
    )


def case_for_client(client, case_number: str) -> DibaoProcess | None:
    """A case of the integrating client's county, else ``None`` (the API answers 404)."""
    return (
        DibaoProcess.objects.filter(case_number=(case_number or "").strip().upper(), county_id=client.county_id)
        .select_related("township", "household")
        .first()
    )

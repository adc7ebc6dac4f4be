"""What the applicant (or an integrating system) may read about a case.

``public_status`` returns a ``PublicStatus``: the stage in plain language,
what happens next, the deadline, missing materials, letters, the open notice,
a failed data check with its reasons (MSL 18) and the appeal rights.
``ta_public_status`` returns a ``TemporaryAssistanceStatus`` for a temporary-
assistance case: stage, amount approved and paid so far, refusal reasons,
letters. Neither has a field for staff names, internal notes, investigation
findings or evidence, so a template cannot show them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from django.db.models import CharField, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import STATUS

from workflows.core.types import StrOrPromise
from workflows.dibao import services as dibao_services
from workflows.dibao.models import Decision, DibaoProcess, NoticeRound
from workflows.dibao.selectors import deadline_of
from workflows.documents.models import CaseDocument
from workflows.documents.selectors import documents_for_case, pending_letter_kinds
from workflows.temporary_assistance.models import Decision as TaDecision
from workflows.temporary_assistance.models import TemporaryAssistanceProcess

if TYPE_CHECKING:
    from workflows.core.models import County
    from workflows.households.models import Household

    from .models import IntegrationClient

LETTER_KINDS = (CaseDocument.Kind.APPROVAL_LETTER, CaseDocument.Kind.REFUSAL_LETTER)
TA_LETTER_KINDS = (CaseDocument.Kind.TA_DECISION,)
#: The audit event written when a failed data check is told to the applicant (MSL 18); its
#: ``data`` names the check-result notice letter (a document of kind "other", so the kind
#: alone cannot tell it from, say, an entrustment).
CHECK_FAILURE_ACTION = "dibao.check_failure_notice"

#: Which programme a case number belongs to (``case_ids``): dibao/特困 or temporary assistance.
DIBAO, TEMPORARY_ASSISTANCE = "dibao", "ta"
CASE_MODELS: dict[str, type[DibaoProcess] | type[TemporaryAssistanceProcess]] = {
    DIBAO: DibaoProcess,
    TEMPORARY_ASSISTANCE: TemporaryAssistanceProcess,
}
#: A case the portal shows: dibao/特困 or temporary assistance.
PortalCase: TypeAlias = DibaoProcess | TemporaryAssistanceProcess
#: (stage key, stage in plain language, what happens next)
Stage: TypeAlias = tuple[str, StrOrPromise, StrOrPromise]

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
# MSL 18: the check found the household not eligible and the applicant was told
STAGE_CHECK_FAILED = (
    "check_failed",
    _("家庭经济状况核对未通过"),
    _("请查看下面的核对未通过理由和核对结果告知书。如有异议，可以带证明材料到乡镇民政窗口申请复查。"),
)
STAGE_RECHECK = ("check", _("正在复查核对结果"), _("您对核对结果提出了异议，县民政局正在重新核对，您不需要做什么。"))
CHECK_OBJECTION_HOW = _(
    "如认为核对结果有误，请带上证明材料（如收入证明、财产证明、医疗费用票据等）到乡镇民政窗口提出异议，"
    "工作人员登记后会重新核对；复查结果出来前不会作出决定（《最低生活保障审核确认办法》第十八条）。"
)

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
class PublicCheckFailure:
    """A failed data check as told to the applicant (MSL 18): reasons, the notice letter,
    whether an objection with evidence is still possible, or a re-check is running."""

    notified_on: datetime.date
    reasons: list[str]
    letter: PublicLetter | None
    objection_open: bool
    recheck_pending: bool
    # Texts are translated when a status is built, in the request's language; a plain
    # ``str(...)`` default would be fixed in whatever language imported this module first.
    objection_how: str = field(default_factory=lambda: str(CHECK_OBJECTION_HOW))


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
    # a decision letter asked for and not stored yet (rendered after the decision committed)
    letter_pending: bool = False
    notice: PublicNotice | None = None
    objection_how: str = field(default_factory=lambda: str(OBJECTION_HOW))
    decision: str = ""
    monthly_amount: object = None
    payment_starts: datetime.date | None = None
    appeal_rights: str = field(default_factory=lambda: str(APPEAL_RIGHTS))
    check_failure: PublicCheckFailure | None = None


def active_node_names(process: DibaoProcess) -> list[str]:
    tasks = process.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).order_by("pk")
    return [t.flow_task.name for t in tasks if t.flow_task is not None]


def _stage(process: DibaoProcess) -> Stage:
    if process.decision == Decision.APPROVED and process.status == "DONE":
        return STAGE_APPROVED
    if process.decision == Decision.REFUSED and process.status == "DONE":
        return STAGE_REFUSED
    if process.recheck_pending:
        return STAGE_RECHECK
    if _check_objection_open(process):
        return STAGE_CHECK_FAILED
    for name in reversed(active_node_names(process)):
        if name in STAGES:
            return STAGES[name]
    return STAGE_UNKNOWN


def _check_objection_open(process: DibaoProcess) -> bool:
    """The same condition as the staff side's "record a check objection" (dibao ``case_summary``)."""
    return (
        process.finance_outcome == "not_eligible"
        and process.check_failure_notified_on is not None
        and not process.recheck_pending
        and process.proposes_approval is None
        and not process.decision
        and process.status not in ("DONE", "CANCELED")
    )


def check_notice_ids(process_id: int) -> list[int]:
    """The check-result notice letters of a case (MSL 18), newest first, from their audit events."""
    from workflows.core.models import AuditEvent

    events = AuditEvent.objects.filter(process_id=process_id, action=CHECK_FAILURE_ACTION).order_by("-pk")
    return [e["document"] for e in events.values_list("data", flat=True) if isinstance(e, dict) and e.get("document")]


def _letter(d: CaseDocument, title: StrOrPromise | None = None) -> PublicLetter:
    return PublicLetter(d.pk, d.kind, str(title or d.get_kind_display()), timezone.localtime(d.created_at).date())


def _letter_documents(process: PortalCase) -> QuerySet[CaseDocument]:
    """The documents of a case the applicant may download: decision letters, and for dibao the
    check-result notices (never an entrustment, a notice PDF or evidence)."""
    docs = documents_for_case(process.pk).filter(superseded_by__isnull=True)
    if isinstance(process, TemporaryAssistanceProcess):
        return docs.filter(kind__in=TA_LETTER_KINDS)
    from django.db.models import Q

    return docs.filter(Q(kind__in=LETTER_KINDS) | Q(pk__in=check_notice_ids(process.pk)))


CHECK_NOTICE_TITLE = _("家庭经济状况核对结果告知书")


def letters_of(process: PortalCase) -> list[PublicLetter]:
    """The decision letters (a check-result notice is shown with the failed check instead)."""
    kinds = TA_LETTER_KINDS if isinstance(process, TemporaryAssistanceProcess) else LETTER_KINDS
    return [_letter(d) for d in _letter_documents(process).filter(kind__in=kinds)]


def public_letter(process: PortalCase, document_id: int) -> CaseDocument | None:
    """A letter of this case the applicant may download (never another kind of document)."""
    return _letter_documents(process).filter(pk=document_id).first()


def _check_failure(process: DibaoProcess) -> PublicCheckFailure | None:
    """MSL 18: once a failed check was told, the applicant sees it with the reasons and the letter."""
    if process.check_failure_notified_on is None or process.finance_outcome != "not_eligible":
        return None
    reasons = [str(r.get("message")) for r in (process.finance_result or {}).get("reasons", []) if r.get("message")]
    ids = check_notice_ids(process.pk)
    doc = documents_for_case(process.pk).filter(pk__in=ids[:1], superseded_by__isnull=True).first() if ids else None
    return PublicCheckFailure(
        notified_on=process.check_failure_notified_on,
        reasons=reasons or [str(_("家庭经济状况不符合条件。"))],
        letter=_letter(doc, CHECK_NOTICE_TITLE) if doc else None,
        objection_open=_check_objection_open(process),
        recheck_pending=process.recheck_pending,
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
        case_number=process.case_number or "",
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
        letter_pending=bool(pending_letter_kinds(process.pk, LETTER_KINDS)),
        notice=_notice(process),
        decision=process.decision if done else "",
        monthly_amount=process.monthly_amount if done and process.decision == Decision.APPROVED else None,
        payment_starts=process.payment_starts if done and process.decision == Decision.APPROVED else None,
        check_failure=None if done else _check_failure(process),
    )


def case_for_client(client: IntegrationClient, case_number: str) -> DibaoProcess | None:
    """A case of the integrating client's county, else ``None`` (the API answers 404)."""
    return (
        DibaoProcess.objects.filter(case_number=(case_number or "").strip().upper(), county_id=client.county_id)
        .select_related("township", "household")
        .first()
    )


# ==============================================================================
# Temporary assistance (临时救助)
# ==============================================================================
TA_STAGE_ACCEPTED = ("accepted", _("已受理"), _("乡镇民政窗口已受理您的临时救助申请，将尽快审核。"))
TA_STAGE_REVIEW = ("review", _("审核中"), _("工作人员正在审核您的申请，作出决定后会通知您。"))
TA_STAGE_CHECK = ("review", _("审核中"), _("县民政局正在核对家庭收入和财产信息，您不需要做什么。"))
TA_STAGE_ASSIST_FIRST = (
    "assist_first",
    _("先行救助已发放"),
    _("因情况紧急，乡镇已先行发放救助金。请配合工作人员在期限内补办申请登记和签字手续。"),
)
TA_STAGE_APPROVED = ("approved", _("已批准"), _("救助金将分次发放到您登记的账户，每次发放后会通知您。"))
TA_STAGE_PAID = ("paid", _("已发放"), _("批准的救助金已全部发放到您登记的账户。"))
TA_STAGE_REFUSED = (
    "refused",
    _("未批准"),
    _("请查看下面的理由并下载不予救助决定书。如不服，可以申请复议或提起诉讼。"),
)
TA_APPEAL_RIGHTS = _(
    "对临时救助决定不服的，可以自收到决定书之日起 60 日内向县级人民政府申请行政复议，"
    "或者自收到决定书之日起 6 个月内向人民法院提起行政诉讼（《社会救助暂行办法》第六十五条）。"
)
#: the approval steps: a task nobody has taken yet is "accepted", a taken one "under review"
TA_CHECK_NODES = {"await_finance_check", "request_finance_check"}


@dataclass(frozen=True)
class TemporaryAssistanceStatus:
    """The public face of a temporary-assistance case: no names, ID numbers, accounts,
    staff names or internal notes beyond the refusal reasons written for the applicant."""

    case_number: str
    programme: str
    township: str
    stage: str
    stage_label: str
    next_step: str
    kind_label: str
    cause_label: str
    submitted_on: datetime.date | None
    requested_amount: object
    decision: str = ""
    decided_on: datetime.date | None = None
    approved_amount: object = None
    paid_amount: object = None
    paperwork_due: datetime.date | None = None
    refusal_reasons: list[str] = field(default_factory=list)
    letters: list[PublicLetter] = field(default_factory=list)
    appeal_rights: str = field(default_factory=lambda: str(TA_APPEAL_RIGHTS))


def _ta_stage(process: TemporaryAssistanceProcess, paid: Decimal | int) -> Stage:
    if process.decision == TaDecision.REFUSED:
        return TA_STAGE_REFUSED
    if process.decision == TaDecision.APPROVED:
        if process.paperwork_pending and paid > 0:
            return TA_STAGE_ASSIST_FIRST
        if process.approved_amount is not None and paid >= process.approved_amount:
            return TA_STAGE_PAID
        return TA_STAGE_APPROVED
    open_tasks = process.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED])
    tasks = [t for t in open_tasks if t.flow_task is not None]
    if any(t.flow_task.name in TA_CHECK_NODES for t in tasks):
        return TA_STAGE_CHECK
    if any(t.owner_id for t in tasks):
        return TA_STAGE_REVIEW
    return TA_STAGE_ACCEPTED


def ta_public_status(process: TemporaryAssistanceProcess) -> TemporaryAssistanceStatus:
    from workflows.temporary_assistance.models import Cause, Kind

    paid = process.paid_amount() if process.decision == TaDecision.APPROVED else None
    stage, label, next_step = _ta_stage(process, paid or 0)
    approved = process.decision == TaDecision.APPROVED
    refused = process.decision == TaDecision.REFUSED
    return TemporaryAssistanceStatus(
        case_number=process.case_number or "",
        programme=str(_("临时救助")),
        township=process.township.name,
        stage=stage,
        stage_label=str(label),
        next_step=str(next_step),
        kind_label=str(Kind(process.kind).label),
        cause_label=str(Cause(process.cause).label),
        submitted_on=timezone.localtime(process.created).date() if process.created else None,
        requested_amount=process.requested_amount,
        decision=process.decision,
        decided_on=timezone.localtime(process.decided_at).date() if process.decided_at else None,
        approved_amount=process.approved_amount if approved else None,
        paid_amount=paid,
        paperwork_due=process.paperwork_due if process.paperwork_pending else None,
        refusal_reasons=[line.strip() for line in process.decision_reason.splitlines() if line.strip()]
        if refused
        else [],
        letters=letters_of(process),
    )


# ==============================================================================
# Finding a case by its number (both programmes)
# ==============================================================================
def case_ids(
    case_number: str, programmes: tuple[str, ...] = (DIBAO, TEMPORARY_ASSISTANCE)
) -> tuple[int, int | None, str] | None:
    """``(pk, household_id, programme)`` of the case with this number, else ``None``.

    One statement whatever the number (a UNION over the programmes' tables), so a lookup
    runs the same query for a real case of either programme and for an unknown number.
    """
    queries = [
        CASE_MODELS[p]
        .objects.filter(case_number=case_number)
        .order_by()
        .annotate(programme_key=Value(p, output_field=CharField()))
        .values_list("pk", "household_id", "programme_key")
        for p in programmes
    ]
    query = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    return next(iter(query), None)


def case_object(pk: int, programme: str) -> PortalCase:
    return CASE_MODELS[programme].objects.select_related("township", "household").get(pk=pk)


def case_by_number(case_number: str, programmes: tuple[str, ...] = (DIBAO, TEMPORARY_ASSISTANCE)) -> PortalCase | None:
    """The case (dibao/特困 or temporary assistance) with this number, else ``None``."""
    found = case_ids(case_number, programmes)
    return case_object(found[0], found[2]) if found else None


def case_by_pk(pk: int) -> PortalCase | None:
    """The case of either programme with this process pk (process pks are shared), else ``None``."""
    for model in CASE_MODELS.values():
        process = model.objects.select_related("township", "household").filter(pk=pk).first()
        if process is not None:
            return process
    return None


def ta_case_for_client(client: IntegrationClient, case_number: str) -> TemporaryAssistanceProcess | None:
    """A temporary-assistance case of the integrating client's county, else ``None`` (404)."""
    return (
        TemporaryAssistanceProcess.objects.filter(
            case_number=(case_number or "").strip().upper(), county_id=client.county_id
        )
        .select_related("township", "household")
        .first()
    )


def ta_household_for_applicant(*, name: str, id_number: str, county: County) -> Household | None:
    """The household on record in ``county`` with a member of this name and ID number, or None.

    The online form asks for both, so an ID number alone (printed on many papers) files
    nothing in another family's name; a wrong pair and an unknown one look the same."""
    from workflows.households.models import Household
    from workflows.households.validators import normalise_id_number

    return (
        Household.objects.filter(
            county=county,
            members__id_number=normalise_id_number(id_number),
            members__name=(name or "").strip(),
        )
        .select_related("village__township__county")
        .first()
    )

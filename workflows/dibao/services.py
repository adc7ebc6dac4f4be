"""Business rules of the dibao / 特困 case (domain.md §2-5).

Every function is ``@transaction.atomic``, keyword-only, and writes an audit
row for each state change (chain ``case:<pk>``). Node views and Function
nodes call exactly one of them.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from workflows.core.audit import audit_record, diff
from workflows.core.models import (
    AssetLimit,
    DibaoAmountRule,
    DibaoStandard,
    TekunSupportRule,
    Township,
    Village,
)
from workflows.core.models.rules import AmountMethod, RuleNotConfigured
from workflows.core.scope import regions_where
from workflows.core.working_days import Calendar
from workflows.finance_check import means_test
from workflows.households.models import (
    ADULT_AGE,
    DeclaredAsset,
    DeclaredIncome,
    HouseholdMember,
)
from workflows.households.services import household_register
from workflows.households.validators import (
    birth_date_from_id,
    normalise_id_number,
    validate_declared_income,
    validate_id_number,
    validate_rigid_expense,
)

from .models import (
    Attachment,
    Channel,
    CheckObjection,
    Decision,
    DemocraticAppraisal,
    DibaoProcess,
    ExtensionReason,
    HomeVisit,
    NoticeRound,
    Objection,
    ObjectionRoute,
    OverdueAlert,
    Programme,
    StaffKinRecord,
)
from .register import RegisterMatch, register_matches

# --- error messages (checked in tests) -----------------------------------------
ERR_VILLAGE_OUTSIDE = _("您无权为该村（社区）受理申请。")
ERR_NO_APPLICANT = _("家庭成员中必须有且只有一名申请人本人。")
ERR_DUPLICATE_ID = _("同一身份证号码不能重复登记。")
ERR_MINOR_CHILD_AGE = _("“未成年子女”须未满 18 周岁。")
ERR_ADULT_CHILD = _("成年子女只有在校就读（本科及以下）或因残、因病不能独立生活时才计入共同生活家庭成员（MSL 7）。")
ERR_CHECK_AUTHORISATION = _("每位成年家庭成员都必须签署家庭经济状况核对授权书（MSL 9）：%(names)s。")
ERR_TRUTHFULNESS = _("申请人必须签署申请材料真实性承诺书。")
ERR_ENTRUSTMENT = _("协理员代为申请须上传申请人签署的委托书（MSL 6）。")
ERR_UPLOAD_TYPE = _("只能上传 PDF、JPG 或 PNG 文件。")
ERR_UPLOAD_SIZE = _("单个文件不能超过 %(mb)s MB。")
ERR_TEKUN_CRITERIA = _("特困人员须同时无劳动能力、无生活来源、无法定义务人或其无履行能力（TK 4-8）。")
ERR_MISSING_ALREADY_NOTIFIED = _("已一次性告知过缺少的材料，不得再次补充告知新的材料（MSL 10）：%(items)s。")
ERR_MATERIALS_NOT_ALL_RECEIVED = _("一次性告知的材料尚未全部补齐：%(items)s。")
ERR_EXTENSION_REASON = _("延期只能基于法定事由。")
ERR_EXTENSION_TEKUN = _(
    "特困人员认定不适用低保 45 个工作日的延期（MSL 22）：各阶段期限按 TK 13、15、16 计算，"
    "公示有异议的，自公示结束之日起 15 个工作日内重新提出初审意见（TK 15）。"
)
ERR_INVESTIGATORS_DISTINCT = _("入户调查须由两名不同的工作人员进行（MSL 16）。")
ERR_INVESTIGATOR_NOT_STAFF = _("调查人员须为本乡镇工作人员：%(name)s。")
ERR_INVESTIGATOR_NOT_COUNTY = _("县级入户核查须由县民政局工作人员进行（MSL 20）：%(name)s。")
ERR_NO_SIGNATORY = _("入户调查记录须由在场家庭成员签字。")
ERR_NOT_ELIGIBLE = _("核对结果为不符合条件，不能提出拟确认意见（SAI 9）。")
ERR_NO_AMOUNT = _("拟保障金额必须大于零。")
ERR_TEKUN_NOT_CONFIRMED = _("入户调查未核实特困条件，不能提出拟确认意见（TK 4-8）。")
ERR_OBJECTION_CLOSED = _("公示期外不能登记异议。")
ERR_OBJECTION_EMPTY = _("请填写异议内容。")
ERR_UNRESOLVED_OBJECTION = _("公示异议尚未处理，不能作出决定（MSL 19）。")
ERR_SEPARATION = _("调查或提出初审意见的人员不能审核确认同一案件（domain.md §1）。")
ERR_HEAD_SAME_AS_CHIEF = _("乡镇负责人与股室负责人不能是同一人。")
ERR_COUNTY_VISIT_REQUIRED = _("近亲属备案案件须经县级入户核查后方可确认（MSL 20）。")
ERR_APPROVE_WITHOUT_NOTICE = _("未经公示的案件不能确认享受（MSL 19）。")
ERR_REFUSAL_NEEDS_REASON = _("不予确认须写明理由（MSL 21）。")
ERR_APPRAISAL_VOTES = _("同意票与反对票之和不能超过参加人数。")
ERR_RECHECK_PENDING = _("核对结果异议正在复查，复查结果出来前不能提出初审意见（MSL 18）。")
ERR_CHECK_OBJECTION_NOT_FAILED = _(
    "只有核对结果为不符合条件、已告知申请人且尚未提出初审意见的案件才能登记核对结果异议（MSL 18）。"
)
ERR_CHECK_OBJECTION_STATEMENT = _("请写明申请人对核对结果的异议理由。")
ERR_CHECK_OBJECTION_EVIDENCE = _("核对结果异议须附证明材料（MSL 18）。")
ERR_CHECK_OBJECTION_NOT_STAFF = _("只有本乡镇（街道）经办人可以登记核对结果异议。")
ERR_TERMINATE_NOT_APPROVER = _("只有本乡镇（街道）审批人可以终止审核确认程序（MSL 29）。")
ERR_TERMINATE_CLOSED = _("该案件已作出决定或已办结，不能终止审核确认程序。")
ERR_TERMINATE_NOT_ACCEPTED = _("尚未受理的申请无需终止审核确认程序。")
ERR_TERMINATE_REASON = _("请写明申请人无正当理由拒不配合的具体情形（MSL 29）。")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_SIGNATURES = {".pdf": (b"%PDF",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG",)}

# dibao: working days from acceptance to decision (MSL 22).
DUE_DELEGATED = 20
DUE_NOT_DELEGATED = 30
DUE_EXTENDED = 45
# 特困 counts per stage (《特困人员认定办法》 2021): the preliminary opinion within 15
# working days of acceptance (TK 13); after an objection a new opinion within 15 working
# days (TK 15); the decision within 10 working days of the notice ending (TK 16).
TK_OPINION_DAYS = 15
TK_REOPINION_DAYS = 15
TK_DECISION_DAYS = 10
REFUSAL_LETTER_DAYS = 3  # MSL 21
INVESTIGATION_START_DAYS = 3  # MSL 15: township starts investigating after acceptance
CHECK_START_DAYS = 3  # MSL 17: county starts the data check after the township's request
NOTICE_DAYS = 7  # MSL 19, TK 15
# 特困 basic support = the county's factor (``TekunSupportRule``, default 1.3) x the local
# dibao standard per person.
CENT = Decimal("0.01")

# Materials a case worker checks at acceptance (MSL 10: one notice listing them all).
MATERIALS = {
    "application": _("书面申请书"),
    "id_cards": _("家庭成员身份证、户口簿"),
    "income_proof": _("收入情况证明"),
    "asset_declaration": _("家庭财产申报"),
    "check_authorisation": _("家庭经济状况核对授权书"),
    "truthfulness": _("真实性承诺书"),
    "disability_proof": _("残疾或重病证明"),
}


ERR_STOP_NOT_APPROVED = _("只有已确认享受的案件才能停发。")


def _today() -> datetime.date:
    return timezone.localdate()


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _audit(process: DibaoProcess, action: str, actor=None, changes=None, data=None):
    return audit_record(action=action, target=process, actor=actor, process_id=process.pk, changes=changes, data=data)


# ==============================================================================
# Intake (MSL 4-11)
# ==============================================================================
@dataclass(frozen=True)
class IncomeInput:
    """A further income of a member (a second kind besides ``income_kind``; MSL 13)."""

    kind: str
    monthly_amount: Decimal


@dataclass(frozen=True)
class ExpenseInput:
    """One essential-spending row of a member (刚性支出, MSL 13)."""

    kind: str
    monthly_amount: Decimal
    proof: UploadedFile | None = None


@dataclass(frozen=True)
class MemberInput:
    name: str
    id_number: str
    relation: str
    is_student: bool = False
    is_disabled: bool = False
    has_serious_illness: bool = False
    can_work: bool = False
    income_kind: str = DeclaredIncome.Kind.WAGE
    monthly_income: Decimal = Decimal("0")
    signed_check_authorisation: bool = False
    signed_truthfulness: bool = False
    other_incomes: tuple[IncomeInput, ...] = ()
    rigid_expenses: tuple[ExpenseInput, ...] = ()


@dataclass(frozen=True)
class UploadInput:
    kind: str
    file: UploadedFile


@dataclass(frozen=True)
class StaffLinkInput:
    member_name: str
    staff_name: str
    relation: str
    position: str


@dataclass(frozen=True)
class TekunInput:
    no_work_ability: bool
    no_income: bool
    no_supporter: bool


@dataclass
class ApplicationInput:
    village: Village
    area: str
    address: str
    phone: str
    bank_account: str
    members: list[MemberInput]
    deposits: Decimal = Decimal("0")
    uploads: list[UploadInput] = field(default_factory=list)
    staff_links: list[StaffLinkInput] = field(default_factory=list)
    entrustment_note: str = ""
    tekun: TekunInput | None = None


def validate_upload(upload: UploadedFile) -> None:
    """Type by extension and magic bytes; size limit."""
    name = (upload.name or "").lower()
    ext = name[name.rfind(".") :] if "." in name else ""
    if ext not in UPLOAD_SIGNATURES:
        raise ValidationError(ERR_UPLOAD_TYPE, code="upload_type")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(ERR_UPLOAD_SIZE % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="upload_size")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in UPLOAD_SIGNATURES[ext]):
        raise ValidationError(ERR_UPLOAD_TYPE, code="upload_type")


def validate_member(member: MemberInput, on: datetime.date) -> None:
    """One member's ID (GB 11643), MSL 7 membership and essential spending (MSL 13)."""
    validate_id_number(member.id_number)
    for i in member.other_incomes:
        validate_declared_income(i.kind, i.monthly_amount)
    for e in member.rigid_expenses:
        validate_rigid_expense(e.kind, e.monthly_amount)
        if e.proof:
            validate_upload(e.proof)
    born = birth_date_from_id(normalise_id_number(member.id_number))
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if member.relation == HouseholdMember.Relation.MINOR_CHILD and age >= ADULT_AGE:
        raise ValidationError(ERR_MINOR_CHILD_AGE, code="minor_child_age")
    if member.relation == HouseholdMember.Relation.ADULT_DEPENDENT_CHILD and not (
        member.is_student or member.is_disabled or member.has_serious_illness
    ):
        raise ValidationError(ERR_ADULT_CHILD, code="adult_child")


def validate_household(members: list[MemberInput], on: datetime.date) -> None:
    """Household-level rules: one applicant, unique IDs, consents of every adult (MSL 7, 9)."""
    if sum(m.relation == HouseholdMember.Relation.APPLICANT for m in members) != 1:
        raise ValidationError(ERR_NO_APPLICANT, code="no_applicant")
    ids = [normalise_id_number(m.id_number) for m in members]
    if len(set(ids)) != len(ids):
        raise ValidationError(ERR_DUPLICATE_ID, code="duplicate_id")
    unsigned = []
    for m in members:
        born = birth_date_from_id(normalise_id_number(m.id_number))
        adult = on.year - born.year - ((on.month, on.day) < (born.month, born.day)) >= ADULT_AGE
        if adult and not m.signed_check_authorisation:
            unsigned.append(m.name)
    if unsigned:
        raise ValidationError(ERR_CHECK_AUTHORISATION % {"names": "、".join(unsigned)}, code="check_authorisation")
    applicant = next(m for m in members if m.relation == HouseholdMember.Relation.APPLICANT)
    if not applicant.signed_truthfulness:
        raise ValidationError(ERR_TRUTHFULNESS, code="truthfulness")


def filing_channel(actor, village: Village) -> str:
    """The channel the actor files through, or ``PermissionDenied``/``ValidationError``."""
    if regions_where(actor, "act_case_worker", Township).filter(pk=village.township_id).exists():
        return Channel.PAPER_CASE_WORKER
    if regions_where(actor, "act_village_assistant", Village).filter(pk=village.pk).exists():
        return Channel.PAPER_VILLAGE_ASSISTANT
    raise ValidationError(ERR_VILLAGE_OUTSIDE, code="village_outside")


def can_file(user) -> bool:
    return user.is_authenticated and (
        regions_where(user, "act_case_worker", Township).exists()
        or regions_where(user, "act_village_assistant", Village).exists()
    )


def match_staff_relatives(id_numbers: list[str], county) -> list[RegisterMatch]:
    """Register lines naming a member as the staff person or a declared relative (MSL 11)."""
    return register_matches(id_numbers, county)


@transaction.atomic
def dibao_application_file(
    *,
    process: DibaoProcess,
    programme: str,
    application: ApplicationInput,
    actor,
    channel: str | None = None,
) -> DibaoProcess:
    """File an application (Start node): household, members, declarations,
    consents, uploads, staff-relative links. Saves nothing if any rule fails.

    ``channel`` is derived from the actor's role unless given (the applicant
    portal passes ``Channel.ONLINE``).
    """
    app = application
    today = _today()
    if channel is None:
        channel = filing_channel(actor, app.village)
    for m in app.members:
        validate_member(m, today)
    validate_household(app.members, today)
    for u in app.uploads:
        validate_upload(u.file)
    if channel == Channel.PAPER_VILLAGE_ASSISTANT and not any(
        u.kind == Attachment.Kind.ENTRUSTMENT for u in app.uploads
    ):
        raise ValidationError(ERR_ENTRUSTMENT, code="entrustment")
    if programme == Programme.TEKUN:
        t = app.tekun
        if t is None or not (t.no_work_ability and t.no_income and t.no_supporter):
            raise ValidationError(ERR_TEKUN_CRITERIA, code="tekun_criteria")

    village = app.village
    household, members = household_register(
        village=village,
        area=app.area,
        address=app.address,
        phone=app.phone,
        bank_account=app.bank_account,
        members=app.members,
        signed_on=today,
        actor=actor,
        entrusted=channel == Channel.PAPER_VILLAGE_ASSISTANT,
    )
    if app.deposits:
        DeclaredAsset.objects.create(household=household, kind=DeclaredAsset.Kind.DEPOSIT, value=_money(app.deposits))

    process.programme = programme
    process.household = household
    process.village = village
    process.township = village.township
    process.county = village.township.county
    process.channel = channel
    process.filed_by = actor
    process.entrustment_note = app.entrustment_note
    if app.tekun:
        process.tekun_no_work_ability = app.tekun.no_work_ability
        process.tekun_no_income = app.tekun.no_income
        process.tekun_no_supporter = app.tekun.no_supporter

    links = [
        {"source": "declared", "member": s.member_name, "staff": s.staff_name, "relation": s.relation,
         "position": s.position}
        for s in app.staff_links
    ]  # fmt: skip
    matched = match_staff_relatives([m.id_number for m in members], process.county)
    member_names = {m.id_number: m.name for m in members}
    links += [
        {"source": "matched", "member": member_names.get(x.member_id_number, x.record.relative_name),
         "staff": x.record.staff_name, "relation": StaffKinRecord.Relation.SELF if x.as_staff else x.record.relation,
         "position": x.record.position,
         "register_line": x.record.pk}
        for x in matched
    ]  # fmt: skip
    from workflows.core.separation import users_related_to

    system_staff = users_related_to([m.id_number for m in members])
    links += [{"source": "staff_register", "staff_user": pk} for pk in sorted(system_staff)]
    process.staff_relative = bool(links)
    process.staff_relative_links = links
    process.staff_relative_user_ids = sorted({pk for x in matched for pk in x.staff_user_ids} | system_staff)
    process.save()
    process.assign_case_number()
    process.save(update_fields=["case_number"])
    for u in app.uploads:
        Attachment.objects.create(process=process, kind=u.kind, file=u.file, size=u.file.size, uploaded_by=actor)
    _audit(
        process,
        "dibao.file",
        actor,
        changes={"programme": [None, programme], "channel": [None, channel], "household": [None, household.pk]},
        data={
            "case_number": process.case_number,
            "members": len(members),
            "rigid_expenses": [
                {"member": m.name, "kind": e.kind, "monthly_amount": str(_money(e.monthly_amount))}
                for m in app.members
                for e in m.rigid_expenses
            ],
            "attachments": len(app.uploads),
            "staff_relative": process.staff_relative,
        },
    )
    if process.staff_relative:
        _audit(
            process, "dibao.staff_relative_registered", actor,
            data={"links": len(links), "sources": sorted({link["source"] for link in links}),
                  "register_lines": [x.record.pk for x in matched]},
        )  # fmt: skip
    return process


# ==============================================================================
# Acceptance, missing materials (MSL 10) and deadlines (MSL 22, TK 13)
# ==============================================================================
def due_date(
    *, accepted_on: datetime.date, programme: str, delegated: bool, extended: bool, calendar: Calendar | None = None
) -> datetime.date:
    """The first deadline in working days from acceptance on the official calendar: the
    dibao decision (MSL 22), or the 特困 preliminary opinion (TK 13; later stages are set by
    ``_tekun_stage_due``)."""
    calendar = calendar or Calendar()
    if extended:
        days = DUE_EXTENDED
    elif programme == Programme.TEKUN:
        days = TK_OPINION_DAYS
    else:
        days = DUE_DELEGATED if delegated else DUE_NOT_DELEGATED
    return calendar.add_working_days(accepted_on, days)


def _tekun_stage_due(process: DibaoProcess, notice: NoticeRound, days: int) -> dict:
    """特困: move ``due_on`` to ``days`` working days after ``notice`` ends (TK 15, 16);
    returns the audit diff. The dibao deadline is counted from acceptance and never moves."""
    old = process.due_on
    ends_on = timezone.localtime(notice.ends_at).date()
    process.due_on = Calendar().add_working_days(ends_on, days)
    process.save(update_fields=["due_on"])
    return diff({"due_on": old}, {"due_on": process.due_on})


def _set_extension(process: DibaoProcess, reason: str, calendar: Calendar | None = None) -> dict:
    # 特困 deadlines run per stage (TK 13, 15, 16) and an objection already has its own
    # (TK 15); the dibao 45-day extension (MSL 22) would override them.
    if process.programme == Programme.TEKUN:
        raise ValidationError(ERR_EXTENSION_TEKUN)
    if reason not in ExtensionReason.values:
        raise ValidationError(ERR_EXTENSION_REASON)
    old = {"extension_reason": process.extension_reason, "extended_due_on": process.extended_due_on}
    process.extension_reason = reason
    process.extended_due_on = due_date(
        accepted_on=process.accepted_on,
        programme=process.programme,
        delegated=process.delegated,
        extended=True,
        calendar=calendar,
    )
    return diff(old, {"extension_reason": reason, "extended_due_on": process.extended_due_on})


@transaction.atomic
def dibao_accept(
    *,
    process: DibaoProcess,
    missing: list[str],
    delegated: bool,
    extension_reason: str = "",
    actor,
    on: datetime.date | None = None,
) -> DibaoProcess:
    """Check the materials. Missing items -> the one-time notice (MSL 10), not
    accepted yet. Otherwise accept on ``on`` and fix the deadline (MSL 22)."""
    on = on or _today()
    missing = [m for m in missing if m]
    if missing and process.missing_notified_on:
        raise ValidationError(ERR_MISSING_ALREADY_NOTIFIED % {"items": "、".join(missing)})
    old = {"missing_materials": process.missing_materials, "accepted_on": process.accepted_on,
           "delegated": process.delegated, "due_on": process.due_on}  # fmt: skip
    process.delegated = delegated
    changes = {}
    if missing:
        process.missing_materials = missing
    else:
        process.accepted_on = on
        process.accepted_by = actor
        process.due_on = due_date(accepted_on=on, programme=process.programme, delegated=delegated, extended=False)
        process.investigation_due_on = Calendar().add_working_days(on, INVESTIGATION_START_DAYS)
        if extension_reason:
            changes = _set_extension(process, extension_reason)
    process.save()
    new = {"missing_materials": process.missing_materials, "accepted_on": process.accepted_on,
           "delegated": process.delegated, "due_on": process.due_on}  # fmt: skip
    if not missing:
        old["investigation_due_on"], new["investigation_due_on"] = None, process.investigation_due_on
    _audit(process, "dibao.accept" if not missing else "dibao.materials_missing", actor,
           changes={**diff(old, new), **changes})  # fmt: skip
    return process


@transaction.atomic
def dibao_notify_missing(*, process: DibaoProcess) -> DibaoProcess:
    """Issue the one-time notice listing every missing item (MSL 10)."""
    process.missing_notified_on = _today()
    process.save(update_fields=["missing_notified_on"])
    items = [str(MATERIALS.get(k, k)) for k in process.missing_materials]
    _audit(
        process,
        "dibao.missing_notice",
        process.accepted_by or process.filed_by,
        changes={"missing_notified_on": [None, process.missing_notified_on]},
        data={"items": items},
    )
    return process


@transaction.atomic
def dibao_complete_materials(*, process: DibaoProcess, received: list[str], actor) -> DibaoProcess:
    """Record the arrival of the notified materials; all must have arrived."""
    outstanding = [k for k in process.missing_materials if k not in set(received)]
    if outstanding:
        items = "、".join(str(MATERIALS.get(k, k)) for k in outstanding)
        raise ValidationError(ERR_MATERIALS_NOT_ALL_RECEIVED % {"items": items})
    _audit(process, "dibao.materials_completed", actor, data={"received": list(received)})
    return process


def dibao_recompute_deadlines(*, calendar: Calendar, since: datetime.date, actor=None, reason: str) -> int:
    """The official calendar changed (a State Council schedule entered or loaded): move
    the stored deadlines of open cases to what the new calendar gives (MSL 22, 21), with
    one ``dibao.deadline_recomputed`` event per case that moved; returns that count.

    Recomputed: the decision deadline from acceptance (dibao; 特困 until its first notice,
    after which its stage deadlines run from the notice, TK 15, 16), the 45-day extension,
    and the refusal letter's deadline while the letter is not issued. Only cases with a
    deadline on or after ``since`` (the first changed day) can move: an earlier deadline
    counts no changed day. Run inside the transaction that changed the calendar."""
    moved = 0
    cases = (
        DibaoProcess.objects.exclude(status__in=["DONE", "CANCELED"])
        .filter(Q(due_on__gte=since) | Q(extended_due_on__gte=since) | Q(letter_due_on__gte=since))
        .select_for_update()
        .order_by("pk")
    )
    for process in cases:
        fields = ("due_on", "extended_due_on", "letter_due_on")
        old = {f: getattr(process, f) for f in fields}
        if process.accepted_on and process.decided_on is None:
            staged = process.programme == Programme.TEKUN and process.notices.exists()
            if not staged:
                process.due_on = due_date(
                    accepted_on=process.accepted_on,
                    programme=process.programme,
                    delegated=process.delegated,
                    extended=False,
                    calendar=calendar,
                )
            if process.extension_reason:
                process.extended_due_on = due_date(
                    accepted_on=process.accepted_on,
                    programme=process.programme,
                    delegated=process.delegated,
                    extended=True,
                    calendar=calendar,
                )
        if process.letter_due_on and process.decided_on and process.letter_issued_on is None:
            process.letter_due_on = calendar.add_working_days(process.decided_on, REFUSAL_LETTER_DAYS)
        changes = diff(old, {f: getattr(process, f) for f in fields})
        if not changes:
            continue
        process.save(update_fields=list(changes))
        _audit(process, "dibao.deadline_recomputed", actor, changes=changes, data={"reason": reason})
        moved += 1
    return moved


@transaction.atomic
def dibao_extend(*, process: DibaoProcess, reason: str, actor) -> DibaoProcess:
    """Extend to 45 working days for an enumerated reason (MSL 22, N22 4(1)). dibao only:
    refused for 特困, whose stage deadlines (TK 13, 15, 16) it would override."""
    changes = _set_extension(process, reason)
    process.save(update_fields=["extension_reason", "extended_due_on"])
    _audit(process, "dibao.extend", actor, changes=changes)
    return process


# ==============================================================================
# Household-finance check (MSL 9, 15-18)
# ==============================================================================
def _finance_check_request(**kwargs):
    from workflows.finance_check.services import finance_check_request

    return finance_check_request(**kwargs)


@transaction.atomic
def dibao_request_check(*, process: DibaoProcess) -> DibaoProcess:
    """Ask the county for the data check (needs every adult's authorisation, MSL 9)."""
    actor = process.accepted_by
    check = _finance_check_request(
        household=process.household, purpose=process.programme, case_ref=f"dibao:{process.pk}", actor=actor
    )
    # The request is the acceptance's own next step (same transaction), so it carries the
    # acceptance date, also when staff recorded an acceptance made earlier on paper.
    on = process.accepted_on or _today()
    old = {"investigation_started_on": process.investigation_started_on, "check_due_on": process.check_due_on}
    process.finance_check_id = check.pk
    process.check_requested_on = on
    process.check_due_on = Calendar().add_working_days(on, CHECK_START_DAYS)
    process.check_started_on = None
    # MSL 15 names requesting the data check as one way the investigation starts.
    process.investigation_started_on = process.investigation_started_on or on
    process.save(update_fields=["finance_check_id", "check_requested_on", "check_due_on", "check_started_on",
                                "investigation_started_on"])  # fmt: skip
    new = {"investigation_started_on": process.investigation_started_on, "check_due_on": process.check_due_on}
    _audit(process, "dibao.check_requested", actor,
           changes={"finance_check_id": [None, check.pk], **diff(old, new)})  # fmt: skip
    return process


def check_failure_notice_data(process: DibaoProcess):
    from .documents import CheckResultNoticeData

    reasons = [r.get("message", "") for r in process.finance_result.get("reasons", []) if r.get("message")]
    return CheckResultNoticeData(
        case_number=process.case_number, applicant_name=_applicant_name(process), programme=process.programme,
        township_name=process.township.name, notified_on=process.check_failure_notified_on,
        reasons=tuple(reasons) or (str(_("家庭经济状况不符合条件。")),),
    )  # fmt: skip


def _check_failure_notify(process: DibaoProcess) -> None:
    """Tell the applicant the check found the household not eligible, with the reasons and the
    right to object with evidence (MSL 18): a notice letter, recorded on the case."""
    from .documents import render_check_result_notice_pdf

    process.check_failure_notified_on = _today()
    process.save(update_fields=["check_failure_notified_on"])
    data = check_failure_notice_data(process)
    document_id = _issue_document(
        process=process, kind="other", filename=f"{process.case_number}-check-result-{process.finance_check_id}.pdf",
        render=lambda url: render_check_result_notice_pdf(data, verification_url=url), actor=None,
    )  # fmt: skip
    _audit(process, "dibao.check_failure_notice", data={"document": document_id, "check_id": process.finance_check_id,
                                                        "reasons": [r.get("code") for r in process.finance_result.get("reasons", [])]})  # fmt: skip


@transaction.atomic
def check_objection_record(*, process: DibaoProcess, statement: str, evidence: UploadedFile, actor) -> CheckObjection:
    """The applicant objects to a failed check with evidence (MSL 18), recorded by a township
    case worker: a new check of the household starts; the old check and its evidence stay.
    The case's result is replaced when the new check finishes; until then no opinion."""
    from workflows.finance_check.services import ConsentMissing

    process = DibaoProcess.objects.select_for_update().get(pk=process.pk)
    if not regions_where(actor, "act_case_worker", Township).filter(pk=process.township_id).exists():
        raise PermissionDenied(ERR_CHECK_OBJECTION_NOT_STAFF)
    # Before the preliminary opinion only: the opinion rests on the check's result.
    if (process.finance_outcome != "not_eligible" or process.check_failure_notified_on is None or process.recheck_pending
            or process.proposes_approval is not None or process.decision
            or process.status in ("DONE", "CANCELED")):  # fmt: skip
        raise ValidationError(ERR_CHECK_OBJECTION_NOT_FAILED)
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError(ERR_CHECK_OBJECTION_STATEMENT)
    if evidence is None:
        raise ValidationError(ERR_CHECK_OBJECTION_EVIDENCE)
    validate_upload(evidence)
    old_check_id = process.finance_check_id
    try:
        check = _finance_check_request(
            household=process.household, purpose=process.programme, case_ref=f"dibao:{process.pk}", actor=actor
        )
    except ConsentMissing as exc:
        raise ValidationError(exc.messages) from None
    objection = CheckObjection.objects.create(process=process, statement=statement, evidence=evidence,
                                              old_check_id=old_check_id, new_check_id=check.pk, recorded_by=actor)  # fmt: skip
    old = {"finance_check_id": old_check_id, "recheck_pending": False}
    process.finance_check_id = check.pk
    process.recheck_pending = True
    process.save(update_fields=["finance_check_id", "recheck_pending"])
    _audit(process, "dibao.check_objection", actor, changes=diff(old, {"finance_check_id": check.pk,
                                                                      "recheck_pending": True}),
           data={"objection": objection.pk, "old_check_id": old_check_id, "new_check_id": check.pk})  # fmt: skip
    return objection


def _finance_check_started_on(process: DibaoProcess) -> datetime.date | None:
    """The day the county's check of the case ran its first registry query (MSL 17), if it has."""
    from workflows.finance_check.selectors import check_started_on

    return check_started_on(process.finance_check_id) if process.finance_check_id else None


@transaction.atomic
def dibao_record_check(*, process: DibaoProcess, check_id: int, outcome: str, result: dict) -> DibaoProcess:
    """Store the finished check's outcome and result snapshot on the case."""
    old = {"finance_outcome": process.finance_outcome}
    process.finance_check_id = check_id
    process.finance_outcome = outcome
    process.finance_result = result
    if process.check_requested_on and process.check_started_on is None:
        process.check_started_on = _finance_check_started_on(process) or _today()
    process.recheck_pending = False
    process.save(update_fields=["finance_check_id", "finance_outcome", "finance_result", "check_started_on",
                                "recheck_pending"])  # fmt: skip
    _audit(
        process,
        "dibao.check_recorded",
        changes=diff(old, {"finance_outcome": outcome}),
        data={"check_id": check_id, "reasons": [r.get("code") for r in result.get("reasons", [])]},
    )
    if outcome == "not_eligible":  # every failed check, a re-check's too, is told (MSL 18)
        _check_failure_notify(process)
    return process


# ==============================================================================
# Home visits (MSL 16, 20)
# ==============================================================================
def _is_township_staff(user, township_id: int) -> bool:
    return (
        regions_where(user, "act_case_worker", Township).filter(pk=township_id).exists()
        or regions_where(user, "act_approver", Township).filter(pk=township_id).exists()
    )


def _is_county_officer(user, county_id: int) -> bool:
    from workflows.core.models import County

    return regions_where(user, "act_county_officer", County).filter(pk=county_id).exists()


@transaction.atomic
def home_visit_record(
    *,
    process: DibaoProcess,
    investigator_1,
    investigator_2,
    visited_on: datetime.date,
    findings: str,
    family_signatories: str,
    actor,
    county: bool = False,
    reinvestigation: bool = False,
    tekun_confirmed: bool | None = None,
    resolution: str = "",
) -> HomeVisit:
    """A home visit by two distinct investigators, signed by the family (MSL 16);
    a county visit for staff-relative cases (MSL 20)."""
    if investigator_1.pk == investigator_2.pk:
        raise ValidationError(ERR_INVESTIGATORS_DISTINCT)
    if not family_signatories.strip():
        raise ValidationError(ERR_NO_SIGNATORY)
    for inv in (investigator_1, investigator_2):
        if county and not _is_county_officer(inv, process.county_id):
            raise ValidationError(ERR_INVESTIGATOR_NOT_COUNTY % {"name": inv.get_username()})
        if not county and not _is_township_staff(inv, process.township_id):
            raise ValidationError(ERR_INVESTIGATOR_NOT_STAFF % {"name": inv.get_username()})
    visit = HomeVisit.objects.create(
        process=process,
        investigator_1=investigator_1,
        investigator_2=investigator_2,
        visited_on=visited_on,
        findings=findings,
        family_signatories=family_signatories,
        is_county=county,
        is_reinvestigation=reinvestigation,
        recorded_by=actor,
    )
    changes = {}
    if process.investigation_started_on is None:
        process.investigation_started_on = visited_on  # MSL 15: a home visit starts it too
        changes["investigation_started_on"] = [None, visited_on]
    if county:
        process.county_visit_done = True
        changes["county_visit_done"] = [False, True]
    if tekun_confirmed is not None and process.programme == Programme.TEKUN:
        changes["tekun_confirmed"] = [process.tekun_confirmed, tekun_confirmed]
        process.tekun_confirmed = tekun_confirmed
    process.save()
    action = "dibao.county_home_visit" if county else ("dibao.reinvestigate" if reinvestigation else "dibao.home_visit")
    _audit(
        process,
        action,
        actor,
        changes=changes,
        data={"visit": visit.pk, "investigators": [investigator_1.pk, investigator_2.pk], "visited_on": visited_on},
    )
    if reinvestigation:
        _resolve_objections(process, resolution or findings, actor)
    return visit


# ==============================================================================
# Preliminary opinion and amount (MSL 23; TK 4-8)
# ==============================================================================
def _bands_of(rule: DibaoAmountRule) -> tuple[means_test.Band, ...]:
    return tuple(
        means_test.Band(gap_over=b.gap_over, gap_up_to=b.gap_up_to, amount_per_person=b.amount_per_person)
        for b in rule.bands.all()
    )


def _recorded_version(model, pk):
    return model.objects.filter(pk=pk).first() if pk else None


def _deductions_of(result: dict, size: int, per_capita: Decimal) -> dict:
    """The essential spending deducted by the means test (MSL 13), each named, and the
    per-capita income formula they enter: stored with the proposal."""
    lines = result.get("deduction_lines") or []
    if not lines:
        return {}
    deductions = [
        {"kind": d["kind"], "label": d["kind_label"], "members": list(d["members"]), "claimed": d["claimed"],
         "deducted": d["deducted"], "cap": d.get("cap"), "rule": d.get("rule", "")}
        for d in lines
    ]  # fmt: skip
    terms = " − ".join(
        f"{_money(d['deducted'])} {d['label']}" + (f"（{'、'.join(d['members'])}）" if d["members"] else "")
        for d in deductions
    )
    counted = _money(result.get("counted_income") or "0")
    return {"deductions": deductions, "income_formula": f"({counted} − {terms}) ÷ {size} = {per_capita}"}


def amount_compute(process: DibaoProcess, on: datetime.date | None = None) -> dict:
    """The monthly amount and its computation, shown to the approver (MSL 23).

    Every rule is the version in force on ``on`` (default: the acceptance date), and its
    id is recorded, so an old case keeps the figures it was computed with.

    dibao, gap method (also when the county configured no method): (standard -
    per-capita income) x household size, never negative.
    dibao, bands (分档): the band holding the per-capita gap; its amount per person x
    household size.
    tekun: the basic support standard (county factor x dibao standard) x household size.
    """
    on = on or process.accepted_on or _today()
    household = process.household
    # A case already proposed keeps the versions of its first computation: a correction
    # version entered since (core.rule_versions) never changes its figures.
    recorded = process.amount_computation or {}
    standard = _recorded_version(DibaoStandard, recorded.get("standard_id")) or DibaoStandard.objects.in_force(
        county=process.county, on=on, area=household.area
    )
    size = int(process.finance_result.get("household_size") or household.size)
    per_capita = _money(process.finance_result.get("per_capita_income") or "0")
    std = standard.monthly_amount
    if process.programme == Programme.TEKUN:
        rule = _recorded_version(TekunSupportRule, recorded.get("factor_rule_id")) or TekunSupportRule.objects.in_force(
            county=process.county, on=on
        )
        factor = rule.standard_factor
        per_person = _money(std * factor)
        amount = _money(per_person * size)
        formula = f"{std} × {factor} × {size} = {amount}"
        return {"method": "tekun_basic", "standard": std, "standard_id": standard.pk, "factor": factor,
                "factor_rule_id": rule.pk, "per_person": per_person, "household_size": size,
                "monthly_amount": amount, "formula": formula}  # fmt: skip
    gap = max(std - per_capita, Decimal("0"))
    rule = _recorded_version(DibaoAmountRule, recorded.get("amount_rule_id"))
    if rule is None:
        try:
            rule = DibaoAmountRule.objects.in_force(county=process.county, on=on, area=household.area)
        except RuleNotConfigured:
            rule = None
    common = {"standard": std, "standard_id": standard.pk, "amount_rule_id": rule.pk if rule else None,
              "per_capita_income": per_capita, "gap_per_capita": _money(gap), "household_size": size,
              **_deductions_of(process.finance_result, size, per_capita)}  # fmt: skip
    if rule is not None and rule.method == AmountMethod.BANDS:
        rule.validate_bands()
        band, amount = means_test.banded_amount(_bands_of(rule), gap, size)
        if band is None:
            formula = f"{std} − {per_capita} ≤ 0 → 0.00"
            return {**common, "method": "bands", "band": None, "per_person": Decimal("0.00"),
                    "monthly_amount": amount, "formula": formula}  # fmt: skip
        per_person = _money(band.amount_per_person)
        formula = f"{std} − {per_capita} = {_money(gap)} ∈ {band.interval} → {per_person} × {size} = {amount}"
        band_data = {"gap_over": _money(band.gap_over), "amount_per_person": per_person,
                     "gap_up_to": _money(band.gap_up_to) if band.gap_up_to is not None else None}  # fmt: skip
        return {**common, "method": "bands", "band": band_data, "per_person": per_person,
                "monthly_amount": amount, "formula": formula}  # fmt: skip
    amount = _money(gap * size)
    formula = f"({std} − {per_capita}) × {size} = {amount}"
    return {**common, "method": "gap", "monthly_amount": amount, "formula": formula}


@transaction.atomic
def dibao_propose(*, process: DibaoProcess, approve: bool, note: str, actor) -> DibaoProcess:
    """The township's preliminary opinion with the computed amount (MSL 19, 23)."""
    from workflows.core.audit import to_jsonable

    if process.recheck_pending:
        raise ValidationError(ERR_RECHECK_PENDING)
    try:
        computation = amount_compute(process)
    except RuleNotConfigured as exc:
        raise ValidationError(str(exc)) from exc
    amount = computation["monthly_amount"]
    if approve:
        if process.finance_outcome == "not_eligible":
            raise ValidationError(ERR_NOT_ELIGIBLE)
        if process.programme == Programme.TEKUN and not (process.meets_tekun_criteria() and process.tekun_confirmed):
            raise ValidationError(ERR_TEKUN_NOT_CONFIRMED)
        if amount <= 0:
            raise ValidationError(ERR_NO_AMOUNT)
    old = {"proposes_approval": process.proposes_approval, "proposed_amount": process.proposed_amount}
    process.proposes_approval = approve
    process.proposed_amount = amount if approve else None
    process.amount_computation = to_jsonable(computation)
    process.standard_id = computation["standard_id"]
    try:
        process.asset_limit = AssetLimit.objects.in_force(county=process.county, on=process.accepted_on or _today())
    except RuleNotConfigured:
        process.asset_limit = None
    process.proposal_note = note
    process.proposed_by = actor
    process.objection_route = ""
    process.save()
    _audit(
        process,
        "dibao.propose",
        actor,
        changes=diff(old, {"proposes_approval": approve, "proposed_amount": process.proposed_amount}),
        data={"computation": computation},
    )
    return process


# ==============================================================================
# Public notice and objections (MSL 19, 24; TK 15)
# ==============================================================================
def objection_contact_for(process: DibaoProcess) -> str:
    # Printed on the posted notice, an official document: in the default language even
    # when the acting case worker reads the screens in English (like ``render_pdf``).
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("%(township)s社会事务办公室（民政窗口）") % {"township": process.township.name})


def notice_data(process: DibaoProcess, notice: NoticeRound):
    """The notice's public fields only (``PublicNoticeData`` cannot carry more)."""
    from .documents import PublicNoticeData

    head = process.household.head
    return PublicNoticeData(
        case_number=process.case_number,
        applicant_name=head.name if head else "",
        household_size=process.household.size,
        village_name=process.village.name,
        township_name=process.township.name,
        proposed_monthly_amount=notice.proposed_amount,
        notice_round=notice.round,
        posted_on=timezone.localtime(notice.posted_at).date(),
        ends_on=timezone.localtime(notice.ends_at).date(),
        objection_contact=objection_contact_for(process),
    )


def _applicant_name(process: DibaoProcess) -> str:
    head = process.household.head
    return head.name if head else ""


def _store_document(*, process: DibaoProcess, kind: str, filename: str, content: bytes, actor) -> int:
    """Store a PDF without QR code on the case (documents module); returns its pk."""
    from workflows.documents.services import document_store

    doc = document_store(
        process_id=process.pk, kind=kind, filename=filename, content=content, actor=actor,
        applicant_name=_applicant_name(process),
    )  # fmt: skip
    return doc.pk


def _issue_document(*, process: DibaoProcess, kind: str, filename: str, render, actor) -> int:
    """Issue a PDF carrying a verification QR code (``render(url) -> bytes``); returns its pk."""
    from workflows.documents.services import document_issue

    doc = document_issue(
        process_id=process.pk, kind=kind, filename=filename, render=render, actor=actor,
        applicant_name=_applicant_name(process),
    )  # fmt: skip
    return doc.pk


@transaction.atomic
def notice_post(*, process: DibaoProcess, at: datetime.datetime | None = None) -> NoticeRound:
    """Post a new 7-day notice round (MSL 19, TK 15) with its PDF."""
    from .documents import render_notice_pdf

    at = at or timezone.now()
    process.notice_round += 1
    process.save(update_fields=["notice_round"])
    notice = NoticeRound.objects.create(
        process=process,
        round=process.notice_round,
        token=secrets.token_urlsafe(24),
        posted_at=at,
        ends_at=at + datetime.timedelta(days=NOTICE_DAYS),
        proposed_amount=process.proposed_amount,
    )
    actor = process.proposed_by
    pdf = render_notice_pdf(notice_data(process, notice))
    notice.document_id = _store_document(
        process=process, kind="public_notice", filename=f"{process.case_number}-notice-{notice.round}.pdf",
        content=pdf, actor=actor,
    )  # fmt: skip
    notice.save(update_fields=["document_id"])
    changes = {"notice_round": [notice.round - 1, notice.round]}
    if process.programme == Programme.TEKUN:
        changes.update(_tekun_stage_due(process, notice, TK_DECISION_DAYS))  # TK 16
    _audit(
        process,
        "dibao.notice_posted",
        actor,
        changes=changes,
        data={"ends_at": notice.ends_at, "amount": notice.proposed_amount, "document": notice.document_id},
    )
    return notice


@transaction.atomic
def objection_record(
    *,
    notice: NoticeRound,
    content: str,
    anonymous: bool,
    name: str = "",
    contact: str = "",
    actor=None,
    at: datetime.datetime | None = None,
) -> Objection:
    """Record an objection during the notice window, by anyone (MSL 19).

    dibao: extends the deadline for the lawful reason "objection" (N22 4(1)). 特困: a new
    preliminary opinion is due 15 working days after the notice ends (TK 15).
    """
    at = at or timezone.now()
    notice = NoticeRound.objects.select_related("process").get(pk=notice.pk)
    process = DibaoProcess.objects.select_for_update().get(pk=notice.process_id)
    if not notice.is_open(at) or notice.round != process.notice_round:
        raise ValidationError(ERR_OBJECTION_CLOSED)
    if not content.strip():
        raise ValidationError(ERR_OBJECTION_EMPTY)
    staff = actor if getattr(actor, "is_authenticated", False) else None
    objection = Objection.objects.create(
        notice=notice,
        received_at=at,
        anonymous=anonymous,
        name="" if anonymous else name,
        contact="" if anonymous else contact,
        content=content,
        recorded_by=staff,
    )
    changes = {}
    if process.programme == Programme.TEKUN:
        changes = _tekun_stage_due(process, notice, TK_REOPINION_DAYS)  # TK 15: a new opinion
    elif not process.extension_reason and process.accepted_on:
        changes = _set_extension(process, ExtensionReason.OBJECTION)
        process.save(update_fields=["extension_reason", "extended_due_on"])
    _audit(
        process,
        "dibao.objection",
        staff,
        changes=changes,
        data={"objection": objection.pk, "round": notice.round, "anonymous": anonymous},
    )
    return objection


def _resolve_objections(process: DibaoProcess, resolution: str, actor) -> int:
    now = timezone.now()
    count = process.unresolved_objections().update(resolution=resolution, resolved_at=now)
    if count:
        _audit(process, "dibao.objections_resolved", actor, data={"count": count})
    return count


@transaction.atomic
def objection_route_choose(*, process: DibaoProcess, route: str, actor) -> DibaoProcess:
    """The approver sends an objection to re-investigation or democratic appraisal."""
    if actor.pk in process.excluded_actor_ids("choose_objection_route"):
        raise PermissionDenied(ERR_SEPARATION)
    old = process.objection_route
    process.objection_route = ObjectionRoute(route)
    process.save(update_fields=["objection_route"])
    _audit(process, "dibao.objection_route", actor, changes={"objection_route": [old or None, route]})
    return process


@transaction.atomic
def appraisal_record(
    *,
    process: DibaoProcess,
    held_on: datetime.date,
    participants: int,
    votes_for: int,
    votes_against: int,
    conclusion: str,
    actor,
) -> DemocraticAppraisal:
    """民主评议 on an objection (MSL 19)."""
    if votes_for + votes_against > participants:
        raise ValidationError(ERR_APPRAISAL_VOTES)
    appraisal = DemocraticAppraisal.objects.create(
        process=process,
        notice_round=process.notice_round,
        held_on=held_on,
        participants=participants,
        votes_for=votes_for,
        votes_against=votes_against,
        conclusion=conclusion,
        recorded_by=actor,
    )
    _audit(process, "dibao.appraisal", actor, data={"appraisal": appraisal.pk, "for": votes_for,
                                                     "against": votes_against})  # fmt: skip
    _resolve_objections(process, conclusion, actor)
    return appraisal


# ==============================================================================
# Decision: three signatures, approval or refusal (MSL 20, 21, 23)
# ==============================================================================
@transaction.atomic
def decision_sign(*, process: DibaoProcess, role: str, opinion: str, actor) -> DibaoProcess:
    """Handler, section chief and township head sign in turn."""
    node = {"handler": "sign_handler", "section_chief": "sign_section_chief"}[role]
    if actor.pk in process.excluded_actor_ids(node):
        raise PermissionDenied(ERR_SEPARATION)
    if process.unresolved_objections().exists():
        raise ValidationError(ERR_UNRESOLVED_OBJECTION)
    field_name = f"{role}_signed_by"
    setattr(process, field_name, actor)
    process.save(update_fields=[field_name])
    _audit(process, f"dibao.sign_{role}", actor, changes={field_name: [None, actor.pk]}, data={"opinion": opinion})
    return process


def payment_start_for(decided_on: datetime.date) -> datetime.date:
    """Payment starts the month after the decision (MSL 21)."""
    return (decided_on.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


@transaction.atomic
def dibao_decide(
    *, process: DibaoProcess, approve: bool, reasons: list[str], actor, on: datetime.date | None = None
) -> DibaoProcess:
    """The township head's decision (MSL 21). Approval needs a posted proposal,
    no open objection, and for staff relatives the county visit (MSL 20)."""
    on = on or _today()
    if actor.pk in process.excluded_actor_ids("sign_township_head"):
        if actor.pk == process.section_chief_signed_by_id:
            raise PermissionDenied(ERR_HEAD_SAME_AS_CHIEF)
        raise PermissionDenied(ERR_SEPARATION)
    if process.unresolved_objections().exists():
        raise ValidationError(ERR_UNRESOLVED_OBJECTION)
    reasons = [r.strip() for r in reasons if r.strip()]
    if approve:
        if not process.proposes_approval or not process.notice_round:
            raise ValidationError(ERR_APPROVE_WITHOUT_NOTICE)
        if process.staff_relative and not process.county_visit_done:
            raise ValidationError(ERR_COUNTY_VISIT_REQUIRED)
    elif not reasons:
        raise ValidationError(ERR_REFUSAL_NEEDS_REASON)
    old = {"decision": process.decision, "monthly_amount": process.monthly_amount}
    process.township_head_signed_by = actor
    process.decided_on = on
    if approve:
        process.decision = Decision.APPROVED
        process.monthly_amount = process.proposed_amount
        process.payment_starts = payment_start_for(on)
    else:
        process.decision = Decision.REFUSED
        process.refusal_reasons = reasons
        process.letter_due_on = Calendar().add_working_days(on, REFUSAL_LETTER_DAYS)
    process.save()
    _audit(
        process,
        "dibao.decide",
        actor,
        changes=diff(old, {"decision": process.decision, "monthly_amount": process.monthly_amount}),
        data={"payment_starts": process.payment_starts, "reasons": reasons, "letter_due_on": process.letter_due_on},
    )
    return process


LEGAL_BASIS = {
    Programme.DIBAO: ("《社会救助暂行办法》", "《最低生活保障审核确认办法》"),
    Programme.TEKUN: ("《社会救助暂行办法》", "《特困人员认定办法》"),
}


def decision_letter_data(process: DibaoProcess):
    from .documents import DecisionLetterData

    head = process.household.head
    approved = process.decision == Decision.APPROVED
    return DecisionLetterData(
        case_number=process.case_number,
        applicant_name=head.name if head else "",
        programme=process.programme,
        township_name=process.township.name,
        decided_on=process.decided_on,
        approved=approved,
        monthly_amount=process.monthly_amount if approved else None,
        payment_starts=process.payment_starts if approved else None,
        reasons=tuple(process.refusal_reasons) if not approved else (),
        legal_basis=LEGAL_BASIS[process.programme],
    )


def _issue_letter(process: DibaoProcess, kind: str) -> int:
    from .documents import render_decision_letter_pdf

    data = decision_letter_data(process)
    return _issue_document(
        process=process,
        kind=kind,
        filename=f"{process.case_number}-{kind}.pdf",
        render=lambda url: render_decision_letter_pdf(data, verification_url=url),
        actor=process.township_head_signed_by,
    )


@transaction.atomic
def dibao_issue_approval(*, process: DibaoProcess) -> DibaoProcess:
    """Issue the confirmation notice (certificate) and put the case in the sampling pool."""
    actor = process.township_head_signed_by
    document_id = _issue_letter(process, "approval_letter")
    process.letter_issued_on = _today()
    process.save(update_fields=["letter_issued_on"])
    _audit(process, "dibao.approval_issued", actor, data={"document": document_id,
                                                          "payment_starts": process.payment_starts})  # fmt: skip
    dibao_mark_for_sampling(process=process)
    return process


@transaction.atomic
def dibao_issue_refusal(*, process: DibaoProcess) -> DibaoProcess:
    """Issue the refusal letter with reasons and appeal rights (MSL 21, 38; SAI 65)."""
    actor = process.township_head_signed_by
    document_id = _issue_letter(process, "refusal_letter")
    process.letter_issued_on = _today()
    process.save(update_fields=["letter_issued_on"])
    _audit(process, "dibao.refusal_issued", actor, data={"document": document_id,
                                                         "letter_due_on": process.letter_due_on})  # fmt: skip
    return process


@transaction.atomic
def dibao_mark_for_sampling(*, process: DibaoProcess) -> DibaoProcess:
    """A final township approval joins the county's sampling pool (TK 16, MSL 20);
    staff-relative cases are flagged so the county reviews all of them."""
    from workflows.sampling.services import approval_register

    actor = process.township_head_signed_by
    actor_ids = process.investigator_ids() | {
        pk for pk in (process.proposed_by_id, process.handler_signed_by_id, process.section_chief_signed_by_id) if pk
    }
    rule_versions = {"dibao_standard": process.standard_id}
    if process.asset_limit_id:
        rule_versions["asset_limit"] = process.asset_limit_id
    approval_register(
        process_id=process.pk, programme=process.programme, county=process.county, township=process.township,
        village=process.village, case_number=process.case_number, approved_on=process.decided_on,
        approved_by_id=actor.pk, actor_ids=actor_ids, monthly_amount=process.monthly_amount,
        payment_starts=process.payment_starts, one_off_amount=None, staff_relative=process.staff_relative,
        rule_versions=rule_versions, finance_check_id=process.finance_check_id, actor=actor,
    )  # fmt: skip
    process.sampling_pool_since = timezone.now()
    process.save(update_fields=["sampling_pool_since"])
    _audit(process, "dibao.sampling_pool", actor,
           changes={"sampling_pool_since": [None, process.sampling_pool_since]},
           data={"staff_relative": process.staff_relative})  # fmt: skip
    return process


# ==============================================================================
# Termination: the applicant refuses to cooperate without reason (MSL 29)
# ==============================================================================
TERMINATION_LEGAL_BASIS = {
    Programme.DIBAO: ("《社会救助暂行办法》", "《最低生活保障审核确认办法》第二十九条"),
    Programme.TEKUN: LEGAL_BASIS[Programme.TEKUN],
}


def can_terminate(user, process: DibaoProcess) -> bool:
    """May ``user`` end this case under MSL 29 now: a township approver of its township, not
    excluded from deciding it, and the case accepted, open and undecided."""
    return (
        process.accepted_on is not None
        and not process.decision
        and process.status not in ("DONE", "CANCELED")
        and regions_where(user, "act_approver", Township).filter(pk=process.township_id).exists()
        and user.pk not in process.excluded_actor_ids("choose_objection_route")
    )


def termination_letter_data(process: DibaoProcess):
    from .documents import DecisionLetterData

    return DecisionLetterData(
        case_number=process.case_number, applicant_name=_applicant_name(process), programme=process.programme,
        township_name=process.township.name, decided_on=process.terminated_on, approved=False, monthly_amount=None,
        payment_starts=None, reasons=(process.termination_reason,),
        legal_basis=TERMINATION_LEGAL_BASIS[process.programme], terminated=True,
    )  # fmt: skip


@transaction.atomic
def case_terminate(*, process: DibaoProcess, reason: str, actor) -> DibaoProcess:
    """End the review of an accepted, undecided case whose applicant refuses to cooperate
    without reason (MSL 29): a township approver's decision with the stated reason.

    Cancels the case's open tasks (the flow ends CANCELED), issues the termination letter
    with the appeal rights (60-day reconsideration, 6-month litigation; MSL 38, SAI 65),
    and registers the decision in the county's sampling pool so the county can check
    that the township did not end a case to avoid deciding it (TK 16, MSL 20).
    """
    from workflows.sampling.services import approval_register

    from .documents import render_decision_letter_pdf

    process = DibaoProcess.objects.select_for_update().get(pk=process.pk)
    if not regions_where(actor, "act_approver", Township).filter(pk=process.township_id).exists():
        raise PermissionDenied(ERR_TERMINATE_NOT_APPROVER)
    if actor.pk in process.excluded_actor_ids("choose_objection_route"):
        raise PermissionDenied(ERR_SEPARATION)
    if process.decision or process.status in ("DONE", "CANCELED"):
        raise ValidationError(ERR_TERMINATE_CLOSED)
    if process.accepted_on is None:
        raise ValidationError(ERR_TERMINATE_NOT_ACCEPTED)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(ERR_TERMINATE_REASON)
    today = _today()
    old = {"decision": process.decision, "status": process.status, "terminated_on": None, "termination_reason": ""}
    process.decision = Decision.TERMINATED
    process.decided_on = today
    process.terminated_on = today
    process.termination_reason = reason
    process.terminated_by = actor
    # Cancels every open task (viewflow's own cancel, under the flow lock) and saves the case.
    process.flow_class.instance.cancel(process)
    new = {"decision": process.decision, "status": process.status, "terminated_on": today, "termination_reason": reason}
    _audit(process, "dibao.terminated", actor, changes=diff(old, new))
    data = termination_letter_data(process)
    document_id = _issue_document(
        process=process, kind="other", filename=f"{process.case_number}-termination.pdf",
        render=lambda url: render_decision_letter_pdf(data, verification_url=url), actor=actor,
    )  # fmt: skip
    process.letter_issued_on = today
    process.save(update_fields=["letter_issued_on"])
    _audit(process, "dibao.termination_issued", actor, data={"document": document_id})
    actor_ids = process.investigator_ids() | {pk for pk in (process.proposed_by_id, process.accepted_by_id) if pk}
    approval_register(
        process_id=process.pk, programme=process.programme, county=process.county, township=process.township,
        village=process.village, case_number=process.case_number, approved_on=today, approved_by_id=actor.pk,
        actor_ids=actor_ids, monthly_amount=None, payment_starts=None, one_off_amount=None,
        staff_relative=process.staff_relative, rule_versions={}, finance_check_id=process.finance_check_id,
        actor=actor,
    )  # fmt: skip
    process.sampling_pool_since = timezone.now()
    process.save(update_fields=["sampling_pool_since"])
    _audit(process, "dibao.sampling_pool", actor, changes={"sampling_pool_since": [None, process.sampling_pool_since]},
           data={"staff_relative": process.staff_relative, "decision": Decision.TERMINATED})  # fmt: skip
    return process


# ==============================================================================
# Overdue alerts (MSL 15, 17, 21, 22)
# ==============================================================================
@transaction.atomic
def overdue_alerts_raise(*, today: datetime.date | None = None) -> int:
    """One alert per case, deadline kind and due date once a deadline has passed unmet
    (or was met only after it): the decision (MSL 22), the start of the investigation
    (MSL 15), the start of the county's data check (MSL 17) and the refusal letter
    (MSL 21). Idempotent: a second run the same or a later day raises nothing new."""
    today = today or _today()
    calendar = Calendar()
    count = 0
    qs = (
        DibaoProcess.objects.filter(accepted_on__isnull=False)
        .exclude(status="CANCELED")
        # an ended case can still owe its refusal letter (MSL 21)
        .filter(~Q(status="DONE") | Q(decision=Decision.REFUSED, letter_issued_on__isnull=True))
        .select_related("township")
    )
    for process in qs:
        if process.check_due_on and process.check_started_on is None and process.check_due_on < today:
            started = _finance_check_started_on(process)
            if started is not None:
                process.check_started_on = started
                process.save(update_fields=["check_started_on"])
        for deadline in process.stage_deadlines():
            if not deadline.overdue_on(today):
                continue
            alert, created = OverdueAlert.objects.get_or_create(
                process=process,
                kind=deadline.kind,
                due_on=deadline.due_on,
                defaults={
                    "township": process.township,
                    "raised_on": today,
                    "working_days_overdue": calendar.working_days_between(deadline.due_on, deadline.met_on or today),
                },
            )
            if created:
                count += 1
                _audit(process, "dibao.overdue", data={"due_on": deadline.due_on, "kind": deadline.kind,
                                                       "alert": alert.pk})  # fmt: skip
    return count


@transaction.atomic
def dibao_benefit_stop(*, process: DibaoProcess, stop_from: datetime.date, reason: str, actor) -> DibaoProcess:
    """Stop an approved benefit from ``stop_from`` (the county's revocation, SAI 66, 68; MSL 32).

    Called inside the revocation's transaction (``sampling.signals.benefit_revoked``), so the
    case and the county's decision change together. Idempotent: stopping again from the same
    month changes nothing; an earlier month wins (payment never resumes by accident).
    """
    process = DibaoProcess.objects.select_for_update().get(pk=process.pk)
    if process.decision != Decision.APPROVED:
        raise ValidationError(ERR_STOP_NOT_APPROVED)
    old = process.benefit_stopped_from
    if old is not None and old <= stop_from:
        return process
    process.benefit_stopped_from = stop_from
    process.save(update_fields=["benefit_stopped_from"])
    _audit(
        process,
        "dibao.benefit_stopped",
        actor,
        changes={"benefit_stopped_from": [old, stop_from]},
        data={"reason": reason},
    )
    return process

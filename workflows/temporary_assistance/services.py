"""Business rules of temporary assistance (domain.md §6; TA18 2-3, SAI 47-50, ZB20 15).

Every function is one state change: keyword-only, atomic, audited on the
case chain. Limits and permissions are re-checked here, at the moment of the
decision, so no form, API or admin path can approve above the township limit
or pay from a fund the actor does not control.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import PROCESS

from workflows.core.access import access_case, holds
from workflows.core.audit import audit_record, diff
from workflows.core.models import DibaoStandard, TemporaryAssistanceRule, Township, Village
from workflows.core.models.rules import Area
from workflows.core.money import exact_positive_amount
from workflows.core.scope import regions_where
from workflows.core.working_days import Calendar
from workflows.funds import services as funds
from workflows.households.models import Consent, Household, HouseholdMember, members_missing_consent
from workflows.households.services import household_register
from workflows.households.validators import mask_id_number, normalise_id_number

from .models import Decision, Kind, Payment, TemporaryAssistanceProcess, Tier

logger = logging.getLogger(__name__)

ERR_HOUSEHOLD_OUTSIDE = _("该家庭不在您负责的乡镇。")
ERR_AMOUNT = _("金额必须大于 0 元，且最多两位小数。")
ERR_ASSIST_FIRST_EMERGENCY_ONLY = _("只有急难型救助可以先行救助。")
ERR_ASSIST_FIRST_ABOVE_LIMIT = _("先行救助金额 %(amount)s 元超过乡镇审批限额 %(limit)s 元，请走县级审批。")
ERR_ABOVE_TOWNSHIP_LIMIT = _("金额 %(amount)s 元超过乡镇审批限额 %(limit)s 元，乡镇无权批准，须报县民政局审批。")
ERR_ABOVE_REQUESTED = _("批准金额不能超过申请金额 %(requested)s 元。")
ERR_SAME_EVENT = _("该家庭已就同一事件（%(cause)s，%(date)s）申请过临时救助，同一事件只救助一次。")
ERR_REPEAT_WITHOUT_REASON = _("该家庭本年度已因“%(cause)s”获得救助，再次申请必须说明新的困难情况。")
ERR_YEARLY_LIMIT = _("该家庭 %(year)s 年度已获临时救助 %(count)s 次，达到每年 %(max)s 次的上限。")
ERR_NO_CHECK_CONSENT = _("支出型救助需要核对家庭经济状况，以下成员尚未签署核对授权书：%(members)s。")
ERR_EVENT_IN_FUTURE = _("事件发生日期不能晚于今天。")
ERR_NOT_APPROVER = _("只有本乡镇审批人可以审批和发放。")
ERR_NOT_COUNTY_OFFICER = _("只有本县民政局经办人可以办理。")
ERR_NOT_CASE_WORKER = _("只有本乡镇经办人可以办理。")
ERR_OWN_CASE = _("登记人不能审批自己登记的案件。")
ERR_REASON_REQUIRED = _("不予救助必须写明理由。")
ERR_MEETING_REQUIRED = _("一事一议须记录会议日期和参会人员（至少 3 人）。")
ERR_MEETING_IN_FUTURE = _("会议日期不能晚于今天。")
ERR_PAPERWORK_INCOMPLETE = _("登记、签字和核对三项都完成后才能办结补办手续。")
ERR_ABOVE_UNPAID = _("本次发放 %(amount)s 元超过尚未发放的 %(unpaid)s 元。")
ERR_REVERSAL_REASON_REQUIRED = _("冲销必须写明理由。")
ERR_REVERSE_TOO_MUCH = _("冲销金额 %(amount)s 元超过该笔发放尚未冲销的 %(left)s 元。")
ERR_WRONG_TIER = _("该案件的审批层级为“%(tier)s”，不能在此办理。")
ERR_REVOKED = _("该救助已被县级抽查撤销，不能继续发放。")
ERR_NO_PAYMENT_STEP = _("该案件当前没有待办理的“%(step)s”步骤，不能审批或发放。")
ERR_ALREADY_DECIDED = _("该案件已作出审批决定，不能重复审批。")
ERR_ID_ALREADY_REGISTERED = _("身份证号码 %(id)s 已登记在一个家庭中，请按身份证号码查找该家庭，不要重复登记。")
ERR_HOUSEHOLD_REQUIRED = _("请选择已有家庭、按身份证号码查找，或登记新家庭。")

# Signatures an emergency can wait for: assist-first completes them afterwards (TA18 2(2), ZB20 15).
DEFERRABLE_CONSENT_CODES = frozenset({"check_authorisation", "truthfulness"})


# --- helpers -----------------------------------------------------------------


def townships_for_case_worker(user):
    return regions_where(user, "act_case_worker", Township)


def villages_for_village_assistant(user):
    return regions_where(user, "act_village_assistant", Village)


def can_open_case(user) -> bool:
    """Township case workers, and village assistants filing on the applicant's behalf (MSL 6)."""
    return user.is_authenticated and (
        townships_for_case_worker(user).exists() or villages_for_village_assistant(user).exists()
    )


def households_for_intake(user):
    """Households ``user`` may file for: the case worker's townships, the village assistant's villages."""
    return Household.objects.filter(
        Q(township__in=townships_for_case_worker(user)) | Q(village__in=villages_for_village_assistant(user))
    )


def _filing_channel(actor, village: Village) -> str:
    """The dibao intake's channel rule (MSL 6); outside the actor's regions: ``ERR_HOUSEHOLD_OUTSIDE``."""
    from workflows.dibao.services import filing_channel

    try:
        return filing_channel(actor, village)
    except ValidationError:
        raise ValidationError(ERR_HOUSEHOLD_OUTSIDE, code="outside") from None


def township_limit_on(county, on: datetime.date) -> tuple[TemporaryAssistanceRule, DibaoStandard | None, Decimal]:
    """The rule in force, the urban standard it used (if any) and the township limit (TA18 2(2))."""
    rule = TemporaryAssistanceRule.objects.in_force(county=county, on=on)
    standard = None
    if rule.township_limit is None:
        standard = DibaoStandard.objects.in_force(county=county, on=on, area=Area.URBAN)
    return rule, standard, rule.effective_township_limit(on=on)


def _live_cases(household_id: int, exclude_pk: int | None):
    """Other cases of the household that were not refused or cancelled."""
    qs = TemporaryAssistanceProcess.objects.filter(household_id=household_id).exclude(
        Q(decision=Decision.REFUSED) | Q(status=PROCESS.CANCELED)
    )
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def check_frequency(
    *, household: Household, cause: str, event_date: datetime.date, repeat_reason: str, exclude_pk=None
) -> None:
    """One payment per event; a repeat for the same cause needs a new reason; at most N per year (TA18 2(3)).

    "Per year" is the calendar year of the event, across all temporary-assistance cases of the
    household: a case filed in January for a December fire counts in the year of the fire.
    """
    from .models import Cause

    live = _live_cases(household.pk, exclude_pk)
    label = Cause(cause).label
    if live.filter(cause=cause, event_date=event_date).exists():
        raise ValidationError(ERR_SAME_EVENT % {"cause": label, "date": event_date.isoformat()}, code="same_event")
    if live.filter(cause=cause, event_date__year=event_date.year).exists() and not repeat_reason.strip():
        raise ValidationError(ERR_REPEAT_WITHOUT_REASON % {"cause": label}, code="repeat")
    _check_yearly_count(household=household, event_date=event_date, exclude_pk=exclude_pk, live=live)


def _check_yearly_count(*, household: Household, event_date: datetime.date, exclude_pk=None, live=None) -> None:
    """At most ``max_payments_per_year`` live cases whose event falls in the same calendar year (TA18 2(3))."""
    live = live if live is not None else _live_cases(household.pk, exclude_pk)
    rule = TemporaryAssistanceRule.objects.in_force(county=household.county, on=timezone.localdate())
    year = event_date.year
    count = live.filter(event_date__year=year).count()
    if count >= rule.max_payments_per_year:
        raise ValidationError(
            ERR_YEARLY_LIMIT % {"year": year, "count": count, "max": rule.max_payments_per_year}, code="yearly_limit"
        )


def _lock_case(process: TemporaryAssistanceProcess) -> None:
    """Lock the case row until the end of the transaction and re-read what money depends on (TA18 3(3)).

    Every payment entry point calls this first, so concurrent direct calls (API, admin, tasks,
    scripts) queue on the row instead of each reading the same unpaid amount. It is the
    same row viewflow's ``select_for_update_lock`` takes, so inside a task activation it is
    already held and this costs one statement. Lock order: case row -> payment row -> fund
    row -> audit chain heads (workflows/funds/services.py). Only the decision fields are
    re-read: the rest of ``process`` is what the caller asks to be checked.
    """
    locked = TemporaryAssistanceProcess.objects.select_for_update().get(pk=process.pk)
    for field in ("decision", "approved_amount", "decided_by_id", "decided_at"):
        setattr(process, field, getattr(locked, field))


def _require_open_step(process: TemporaryAssistanceProcess, node_name: str) -> None:
    """Refuse unless the flow has an unfinished task of ``node_name``: no payment outside its step."""
    from workflows.core.driving import open_tasks

    from .flows import TemporaryAssistanceFlow

    node = getattr(TemporaryAssistanceFlow, node_name)
    if not open_tasks(process, node).exists():
        raise ValidationError(ERR_NO_PAYMENT_STEP % {"step": node.task_title}, code="no_payment_step")


def _require_undecided(process: TemporaryAssistanceProcess) -> None:
    if process.decision:
        raise ValidationError(ERR_ALREADY_DECIDED, code="already_decided")


def _pay(*, process: TemporaryAssistanceProcess, amount: Decimal, source: str, actor, assist_first=False) -> Payment:
    """Stage one payment; from the township fund it is a ledger entry made under the fund's row lock.

    The unpaid amount is read under the case row lock, so concurrent calls never pay more than
    was approved (TA18 3(3)).
    """
    _lock_case(process)
    unpaid = process.unpaid_amount()
    if amount > unpaid:
        raise ValidationError(
            ERR_ABOVE_UNPAID % {"amount": f"{amount:,.2f}", "unpaid": f"{unpaid:,.2f}"}, code="above_unpaid"
        )
    now = timezone.now()
    entry = None
    if source == Payment.Source.TOWNSHIP_FUND:
        fund = funds.lock_fund(township=process.township, budget_year=timezone.localdate(now).year)
        entry = funds.fund_pay(
            fund=fund,
            amount=amount,
            reason=f"临时救助 {process.case_number}",
            actor=actor,
            process_id=process.pk,
            case_number=process.case_number or "",
        )
    seq = process.payments.count() + 1
    payment = Payment.objects.create(
        process=process,
        seq=seq,
        amount=amount,
        source=source,
        fund_entry=entry,
        assist_first=assist_first,
        paid_at=now,
        paid_by=actor,
    )
    audit_record(
        action="case.payment",
        target=process,
        actor=actor,
        process_id=process.pk,
        data={"payment": payment.pk, "seq": seq, "amount": amount, "source": source, "fund_entry": entry and entry.pk},
    )
    _sync_sampling_amount(process=process, actor=actor)
    return payment


def _decide(*, process, approve: bool, amount, reason: str, actor, extra: dict | None = None) -> dict:
    keys = ("decision", "approved_amount", "decision_reason", *(extra or {}))
    old = {k: getattr(process, k) for k in keys}
    if approve:
        process.decision = Decision.APPROVED
        process.approved_amount = amount
    else:
        if not reason.strip():
            raise ValidationError(ERR_REASON_REQUIRED, code="reason")
        process.decision = Decision.REFUSED
        process.approved_amount = None
    process.decision_reason = reason
    process.decided_by = actor
    process.decided_at = timezone.now()
    for key, value in (extra or {}).items():
        setattr(process, key, value)
    process.save()
    _queue_letter(process)
    return diff(old, {k: getattr(process, k) for k in keys})


def _queue_letter(process: TemporaryAssistanceProcess) -> None:
    """The decision or refusal letter is rendered by a job after the decision commits, never under its locks."""
    from .tasks import issue_decision_letter

    pk = process.pk
    # robust: a broker hiccup must not turn a committed decision into an error page; the
    # ``issue_missing_letters`` sweep issues any letter whose message was lost
    transaction.on_commit(lambda: issue_decision_letter.delay(pk), robust=True)


def _register_for_sampling(*, process: TemporaryAssistanceProcess, actor) -> None:
    """A township approval joins the county's sampling pool (domain.md §7; TK 16, MSL 20).

    Called in the approval's transaction. The filer and the approver may never
    review it; a household with a registered staff relative (MSL 11) is
    forced into the draw. The one-off amount is what has been paid so far;
    ``_sync_sampling_amount`` keeps it current through staged payments and reversals.
    """
    from workflows.dibao.services import match_staff_relatives
    from workflows.sampling.services import approval_register

    id_numbers = list(process.household.members.values_list("id_number", flat=True))
    rule_versions = {"temporary_assistance_rule": process.rule_id}
    if process.standard_id:
        rule_versions["dibao_standard"] = process.standard_id
    approval_register(
        process_id=process.pk,
        programme="temporary_assistance",
        county=process.county_id,
        township=process.township_id,
        village=process.village_id,
        case_number=process.case_number,
        approved_on=timezone.localdate(),
        approved_by_id=actor.pk,
        actor_ids=[pk for pk in (process.opened_by_id,) if pk],
        monthly_amount=None,
        payment_starts=None,
        one_off_amount=process.paid_amount(),
        staff_relative=bool(match_staff_relatives(id_numbers, process.county)),
        rule_versions=rule_versions,
        finance_check_id=None,
        actor=actor,
    )


def _sync_sampling_amount(*, process: TemporaryAssistanceProcess, actor) -> None:
    from workflows.sampling.services import approval_one_off_update

    approval_one_off_update(process_id=process.pk, one_off_amount=process.paid_amount(), actor=actor)


def _refuse_if_revoked(process: TemporaryAssistanceProcess) -> None:
    """A revocation by the county sampling review stops further payments (SAI 66, 68)."""
    from workflows.sampling.models import ApprovalRecord

    if ApprovalRecord.objects.filter(process_id=process.pk, revoked=True).exists():
        raise ValidationError(ERR_REVOKED, code="revoked")


# --- filing ----------------------------------------------------------------------


def _extension(name: str) -> str:
    name = (name or "").lower()
    return name[name.rfind(".") :] if "." in name else ""


@dataclass(frozen=True)
class NewHousehold:
    """A household with no earlier record, registered at temporary-assistance intake."""

    village: Village
    area: str
    address: str
    phone: str
    bank_account: str
    members: list  # of workflows.dibao.services.MemberInput


def validate_new_household(*, members: list, kind: str, on: datetime.date) -> None:
    """The dibao intake's rules for IDs and composition (MSL 7); consents too for spending shock.

    An emergency (急难型) household may sign the check authorisation and commitment afterwards
    with the paperwork (TA18 2(2)); a spending-shock case needs the check, so it needs them now (MSL 9).
    """
    from workflows.dibao.services import validate_household, validate_member

    for member in members:
        validate_member(member, on)
    try:
        validate_household(members, on)
    except ValidationError as exc:
        if kind == Kind.SPENDING_SHOCK or exc.code not in DEFERRABLE_CONSENT_CODES:
            raise
    ids = [normalise_id_number(m.id_number) for m in members]
    known = HouseholdMember.objects.filter(id_number__in=ids).values_list("id_number", flat=True).first()
    if known:  # one person, one household: a second record would also escape the frequency limit
        raise ValidationError(ERR_ID_ALREADY_REGISTERED % {"id": mask_id_number(known)}, code="id_registered")


def _register_household(*, new: NewHousehold, kind: str, entrusted: bool, actor) -> Household:
    today = timezone.localdate()
    validate_new_household(members=new.members, kind=kind, on=today)
    household, _rows = household_register(
        village=new.village,
        area=new.area,
        address=new.address,
        phone=new.phone,
        bank_account=new.bank_account,
        members=new.members,
        signed_on=today,
        actor=actor,
        entrusted=entrusted,
    )
    return household


@transaction.atomic
def case_open(
    *,
    process: TemporaryAssistanceProcess,
    household: Household | None = None,
    new_household: NewHousehold | None = None,
    kind: str,
    cause: str,
    event_date: datetime.date,
    cause_detail: str,
    requested_amount,
    assist_first: bool = False,
    major_hardship: bool = False,
    repeat_reason: str = "",
    entrustment=None,
    actor,
) -> TemporaryAssistanceProcess:
    """File a request (inside the Start activation) for a household of the case worker's township,
    or, with the applicant's signed ``entrustment`` (an uploaded file), of the village assistant's village.

    ``household`` is an existing record; ``new_household`` registers a household with no earlier
    record (and its members) in the same transaction, so a refused filing leaves no household behind.
    """
    today = timezone.localdate()
    if event_date > today:
        raise ValidationError(ERR_EVENT_IN_FUTURE, code="future")
    amount = exact_positive_amount(requested_amount, error=ERR_AMOUNT)
    if (household is None) == (new_household is None):
        raise ValidationError(ERR_HOUSEHOLD_REQUIRED, code="household")
    from workflows.dibao.models import Channel
    from workflows.dibao.services import ERR_ENTRUSTMENT, validate_upload

    channel = _filing_channel(actor, new_household.village if new_household else household.village)
    entrusted = channel == Channel.PAPER_VILLAGE_ASSISTANT
    if entrusted:  # a village assistant files only with the applicant's signed entrustment (MSL 6)
        if entrustment is None:
            raise ValidationError(ERR_ENTRUSTMENT, code="entrustment")
        validate_upload(entrustment)
    registered = new_household is not None
    if registered:
        household = _register_household(new=new_household, kind=kind, entrusted=entrusted, actor=actor)
    else:
        # one filing per household at a time, so two concurrent filings cannot both pass the frequency check
        Household.objects.select_for_update().filter(pk=household.pk).exists()
    rule, standard, limit = township_limit_on(household.county, today)
    if assist_first and kind != Kind.EMERGENCY:
        raise ValidationError(ERR_ASSIST_FIRST_EMERGENCY_ONLY, code="assist_first")
    if assist_first and (amount > limit or major_hardship):
        raise ValidationError(
            ERR_ASSIST_FIRST_ABOVE_LIMIT % {"amount": f"{amount:,.2f}", "limit": f"{limit:,.2f}"}, code="assist_first"
        )
    if kind == Kind.SPENDING_SHOCK:
        missing = members_missing_consent(household, Consent.Kind.CHECK_AUTHORISATION)
        if missing:  # no check may run without authorisation (MSL 9)
            names = "、".join(m.name for m in missing)
            raise ValidationError(ERR_NO_CHECK_CONSENT % {"members": names}, code="no_consent")
    check_frequency(household=household, cause=cause, event_date=event_date, repeat_reason=repeat_reason)
    process.household = household
    process.village_id, process.township_id, process.county_id = (
        household.village_id,
        household.township_id,
        household.county_id,
    )
    process.kind, process.cause, process.event_date = kind, cause, event_date
    process.cause_detail, process.repeat_reason = cause_detail, repeat_reason
    process.major_hardship, process.assist_first = major_hardship, assist_first
    process.requested_amount = amount
    process.rule, process.standard, process.township_limit = rule, standard, limit
    process.tier = process.compute_tier()
    process.opened_by = actor
    process.save()
    process.assign_case_number()
    process.save(update_fields=["case_number"])
    if entrusted:
        from workflows.documents.services import document_store

        entrustment.seek(0)
        document_store(
            process_id=process.pk,
            kind="other",
            filename=f"{process.case_number}-entrustment{_extension(entrustment.name)}",
            content=entrustment.read(),
            actor=actor,
            applicant_name=household.head.name if household.head else "",
        )
    audit_record(
        action="case.open",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={
            "kind": [None, kind],
            "cause": [None, cause],
            "event_date": [None, event_date],
            "requested_amount": [None, amount],
            "assist_first": [None, assist_first],
            "tier": [None, process.tier],
        },
        data={
            "case_number": process.case_number,
            "household": household.pk,
            "household_registered": registered,
            "channel": channel,
            "rule": rule.pk,
            "standard": standard and standard.pk,
            "limit": limit,
        },
    )
    return process


# --- assist first (先行救助, TA18 2(2), ZB20 15) -------------------------------------


@transaction.atomic
def case_assist_first_pay(*, process: TemporaryAssistanceProcess, amount, actor) -> Payment:
    """The township pays an emergency at once from its fund; paperwork is due in N working days."""
    _lock_case(process)
    access_case(
        actor, process, "act_approver", error=ERR_NOT_APPROVER, node="assist_first_pay", separation_error=ERR_OWN_CASE
    )
    _require_open_step(process, "assist_first_pay")
    _require_undecided(process)
    amount = exact_positive_amount(amount, error=ERR_AMOUNT)
    today = timezone.localdate()
    rule, _standard, limit = township_limit_on(process.county, today)
    if amount > limit:
        raise ValidationError(
            ERR_ABOVE_TOWNSHIP_LIMIT % {"amount": f"{amount:,.2f}", "limit": f"{limit:,.2f}"}, code="above_limit"
        )
    if amount > process.requested_amount:
        raise ValidationError(ERR_ABOVE_REQUESTED % {"requested": f"{process.requested_amount:,.2f}"})
    _check_yearly_count(household=process.household, event_date=process.event_date, exclude_pk=process.pk)
    due = Calendar().add_working_days(today, rule.assist_first_completion_days)
    changes = _decide(
        process=process, approve=True, amount=amount, reason="先行救助", actor=actor, extra={"paperwork_due": due}
    )
    audit_record(action="case.assist_first", target=process, actor=actor, process_id=process.pk, changes=changes)
    payment = _pay(process=process, amount=amount, source=Payment.Source.TOWNSHIP_FUND, actor=actor, assist_first=True)
    _register_for_sampling(process=process, actor=actor)
    return payment


def paperwork_deadline(activation) -> datetime.datetime:
    """Due moment of the completion timer: the start of the day after ``paperwork_due`` (Asia/Shanghai)."""
    process = activation.process
    if type(process) is not TemporaryAssistanceProcess:
        process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    day_after = process.paperwork_due + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day_after, datetime.time.min))


@transaction.atomic
def case_complete_paperwork(
    *, process: TemporaryAssistanceProcess, registration: bool, signatures: bool, check_done: bool, note: str, actor
) -> TemporaryAssistanceProcess:
    """Registration, signatures and the after-the-fact check are done: the assist-first payment is regular."""
    access_case(actor, process, "act_case_worker", error=ERR_NOT_CASE_WORKER)
    if not (registration and signatures and check_done):
        raise ValidationError(ERR_PAPERWORK_INCOMPLETE, code="incomplete")
    process.paperwork_completed_at = timezone.now()
    process.paperwork_completed_by = actor
    process.save(update_fields=["paperwork_completed_at", "paperwork_completed_by"])
    from workflows.sampling.services import approval_actor_add

    approval_actor_add(process_id=process.pk, user_id=actor.pk)  # who completed it may not review it either
    audit_record(
        action="case.paperwork_completed",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={"paperwork_completed_at": [None, process.paperwork_completed_at]},
        data={"note": note, "overdue": timezone.localdate() > process.paperwork_due},
    )
    return process


@transaction.atomic
def case_mark_escalated(*, process: TemporaryAssistanceProcess) -> TemporaryAssistanceProcess:
    """The completion deadline passed (timer): the case goes to the county officer's queue."""
    process.escalated_at = timezone.now()
    process.save(update_fields=["escalated_at"])
    audit_record(
        action="case.paperwork_overdue",
        target=process,
        process_id=process.pk,
        changes={"escalated_at": [None, process.escalated_at]},
        data={"paperwork_due": process.paperwork_due},
    )
    return process


@transaction.atomic
def case_record_escalation(*, process: TemporaryAssistanceProcess, note: str, actor) -> TemporaryAssistanceProcess:
    """The county officer records the supervision of overdue paperwork (督办意见)."""
    access_case(
        actor,
        process,
        "act_county_officer",
        error=ERR_NOT_COUNTY_OFFICER,
        node="escalate_to_county",
        separation_error=ERR_OWN_CASE,
    )
    if not note.strip():
        raise ValidationError(ERR_REASON_REQUIRED, code="reason")
    old = process.escalation_note
    process.escalation_note = note
    process.save(update_fields=["escalation_note"])
    audit_record(
        action="case.escalation_handled",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={"escalation_note": [old or None, note]},
    )
    return process


# --- finance check (spending shock, MSL 17 via workflows.finance_check) ------------------


def finance_check_case_ref(process) -> str:
    return f"temporary_assistance:{process.pk}"


@transaction.atomic
def case_request_finance_check(*, process: TemporaryAssistanceProcess, actor=None) -> None:
    """Ask the county's finance check for this household; its completion advances the case."""
    try:
        from workflows.finance_check.services import finance_check_request
    except ImportError:
        finance_check_request = None
    ref = finance_check_case_ref(process)
    check = None
    if finance_check_request is not None:
        check = finance_check_request(
            household=process.household, purpose="temporary_assistance", case_ref=ref, actor=actor or process.opened_by
        )
    else:  # the finance-check app is not deployed yet; the case waits at await_finance_check
        logger.warning("finance check service unavailable; case %s waits for a check result", process.pk)
    audit_record(
        action="case.finance_check_requested",
        target=process,
        actor=actor,
        process_id=process.pk,
        data={"case_ref": ref, "check": getattr(check, "pk", None), "service_available": check is not None},
    )


@transaction.atomic
def case_record_finance_check(
    *, process: TemporaryAssistanceProcess, check_ref: str, outcome: str
) -> TemporaryAssistanceProcess:
    old = {"finance_check_ref": process.finance_check_ref, "finance_check_outcome": process.finance_check_outcome}
    process.finance_check_ref, process.finance_check_outcome = check_ref, outcome
    process.save(update_fields=["finance_check_ref", "finance_check_outcome"])
    audit_record(
        action="case.finance_check_recorded",
        target=process,
        process_id=process.pk,
        changes=diff(old, {"finance_check_ref": check_ref, "finance_check_outcome": outcome}),
    )
    return process


# --- decisions (分级审批, SAI 48, TA18 2(2)) ---------------------------------------------


def _approval_amounts(process, approve: bool, amount, first_payment) -> tuple[Decimal | None, Decimal | None]:
    if not approve:
        return None, None
    amount = exact_positive_amount(amount, error=ERR_AMOUNT)
    if amount > process.requested_amount:
        raise ValidationError(ERR_ABOVE_REQUESTED % {"requested": f"{process.requested_amount:,.2f}"})
    first = exact_positive_amount(first_payment, error=ERR_AMOUNT) if first_payment not in (None, "") else amount
    if first > amount:
        raise ValidationError(ERR_ABOVE_UNPAID % {"amount": f"{first:,.2f}", "unpaid": f"{amount:,.2f}"})
    return amount, first


@transaction.atomic
def case_township_approve(
    *, process: TemporaryAssistanceProcess, approve: bool, amount=None, first_payment=None, reason: str = "", actor
) -> TemporaryAssistanceProcess:
    """Township decision within its limit; the first (or only) payment comes from the township fund.

    The limit is the one in force today, checked here whatever the caller (SAI 48).
    """
    _lock_case(process)
    access_case(
        actor, process, "act_approver", error=ERR_NOT_APPROVER, node="township_approve", separation_error=ERR_OWN_CASE
    )
    if process.tier != Tier.TOWNSHIP:
        raise ValidationError(ERR_WRONG_TIER % {"tier": Tier(process.tier).label}, code="wrong_tier")
    _require_open_step(process, "township_approve")
    _require_undecided(process)
    amount, first = _approval_amounts(process, approve, amount, first_payment)
    if approve:
        today = timezone.localdate()
        _rule, _standard, limit = township_limit_on(process.county, today)
        if amount > limit:
            raise ValidationError(
                ERR_ABOVE_TOWNSHIP_LIMIT % {"amount": f"{amount:,.2f}", "limit": f"{limit:,.2f}"}, code="above_limit"
            )
        _check_yearly_count(household=process.household, event_date=process.event_date, exclude_pk=process.pk)
    changes = _decide(process=process, approve=approve, amount=amount, reason=reason, actor=actor)
    audit_record(action="case.township_decision", target=process, actor=actor, process_id=process.pk, changes=changes)
    if approve:
        _pay(process=process, amount=first, source=Payment.Source.TOWNSHIP_FUND, actor=actor)
        _register_for_sampling(process=process, actor=actor)
    return process


@transaction.atomic
def case_county_approve(
    *, process: TemporaryAssistanceProcess, approve: bool, amount=None, first_payment=None, reason: str = "", actor
) -> TemporaryAssistanceProcess:
    """County decision above the township limit; paid by the county, not from the township fund."""
    _lock_case(process)
    access_case(
        actor,
        process,
        "act_county_officer",
        error=ERR_NOT_COUNTY_OFFICER,
        node="county_approve",
        separation_error=ERR_OWN_CASE,
    )
    if process.tier != Tier.COUNTY:
        raise ValidationError(ERR_WRONG_TIER % {"tier": Tier(process.tier).label}, code="wrong_tier")
    _require_open_step(process, "county_approve")
    _require_undecided(process)
    amount, first = _approval_amounts(process, approve, amount, first_payment)
    if approve:
        _check_yearly_count(household=process.household, event_date=process.event_date, exclude_pk=process.pk)
    changes = _decide(process=process, approve=approve, amount=amount, reason=reason, actor=actor)
    audit_record(action="case.county_decision", target=process, actor=actor, process_id=process.pk, changes=changes)
    if approve:
        _pay(process=process, amount=first, source=Payment.Source.COUNTY, actor=actor)
    return process


@transaction.atomic
def case_decide_case_by_case(
    *,
    process: TemporaryAssistanceProcess,
    approve: bool,
    meeting_date: datetime.date,
    participants: str,
    amount=None,
    first_payment=None,
    reason: str = "",
    actor,
) -> TemporaryAssistanceProcess:
    """一事一议: the county coordination meeting's decision, with its date and participants."""
    _lock_case(process)
    access_case(
        actor,
        process,
        "act_county_officer",
        error=ERR_NOT_COUNTY_OFFICER,
        node="case_by_case_decision",
        separation_error=ERR_OWN_CASE,
    )
    if process.tier != Tier.CASE_BY_CASE:
        raise ValidationError(ERR_WRONG_TIER % {"tier": Tier(process.tier).label}, code="wrong_tier")
    _require_open_step(process, "case_by_case_decision")
    _require_undecided(process)
    names = [n for n in participants.replace("，", ",").replace("、", ",").replace("\n", ",").split(",") if n.strip()]
    if meeting_date is None or len(names) < 3:
        raise ValidationError(ERR_MEETING_REQUIRED, code="meeting")
    if meeting_date > timezone.localdate():
        raise ValidationError(ERR_MEETING_IN_FUTURE, code="meeting")
    amount, first = _approval_amounts(process, approve, amount, first_payment)
    if approve:
        _check_yearly_count(household=process.household, event_date=process.event_date, exclude_pk=process.pk)
    changes = _decide(
        process=process,
        approve=approve,
        amount=amount,
        reason=reason,
        actor=actor,
        extra={"meeting_date": meeting_date, "meeting_participants": "、".join(n.strip() for n in names)},
    )
    audit_record(
        action="case.case_by_case_decision", target=process, actor=actor, process_id=process.pk, changes=changes
    )
    if approve:
        _pay(process=process, amount=first, source=Payment.Source.COUNTY, actor=actor)
    return process


# --- staged payments and reversals -----------------------------------------------------


@transaction.atomic
def case_pay_installment(*, process: TemporaryAssistanceProcess, amount, actor) -> Payment:
    """A further staged payment of the approved amount (township fund or county, by tier).

    Refused once the county's sampling review revoked the approval (SAI 66, 68), and unless the
    flow's payment step of the case's tier is open; the case row is locked first (TA18 3(3)).
    """
    amount = exact_positive_amount(amount, error=ERR_AMOUNT)
    _lock_case(process)
    _refuse_if_revoked(process)
    if process.tier == Tier.TOWNSHIP:
        access_case(
            actor, process, "act_approver", error=ERR_NOT_APPROVER, node="township_pay", separation_error=ERR_OWN_CASE
        )
        _require_open_step(process, "township_pay")
        return _pay(process=process, amount=amount, source=Payment.Source.TOWNSHIP_FUND, actor=actor)
    access_case(
        actor,
        process,
        "act_county_officer",
        error=ERR_NOT_COUNTY_OFFICER,
        node="county_pay",
        separation_error=ERR_OWN_CASE,
    )
    _require_open_step(process, "county_pay")
    return _pay(process=process, amount=amount, source=Payment.Source.COUNTY, actor=actor)


def reversal_sources_for(user, process: TemporaryAssistanceProcess) -> frozenset[str]:
    """Payment sources of ``process`` whose payments ``user`` may reverse (TA18 3(3); domain.md §6).

    Township-fund money: the township approver of the case's township, or the county officer of
    its county (who allocates the fund); county money: the county officer only.
    """
    sources = set()
    if holds(user, "act_county_officer", county=process.county_id):
        sources |= {Payment.Source.TOWNSHIP_FUND, Payment.Source.COUNTY}
    if holds(user, "act_approver", township=process.township_id):
        sources.add(Payment.Source.TOWNSHIP_FUND)
    return frozenset(sources)


def may_reverse_payment(user, payment: Payment) -> bool:
    return payment.source in reversal_sources_for(user, payment.process)


@transaction.atomic
def payment_reverse(*, payment: Payment, amount, reason: str, actor) -> Payment:
    """Reverse (part of) a payment with a written reason; township-fund money returns to the fund.

    Township-fund payments: the township approver or the county officer; county payments: the
    county officer only. Checked before anything is written. Lock order as for payments: the case
    row, then the payment row, then (in ``funds.fund_reverse``) the fund row.
    """
    process = TemporaryAssistanceProcess.objects.select_for_update().get(pk=payment.process_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    payment.process = process
    if not may_reverse_payment(actor, payment):
        raise PermissionDenied(
            ERR_NOT_COUNTY_OFFICER if payment.source == Payment.Source.COUNTY else funds.ERR_MAY_NOT_REVERSE
        )
    amount = exact_positive_amount(amount, error=ERR_AMOUNT)
    if not reason.strip():
        raise ValidationError(ERR_REVERSAL_REASON_REQUIRED, code="reason")
    left = payment.amount - payment.reversed_amount
    if amount > left:
        raise ValidationError(
            ERR_REVERSE_TOO_MUCH % {"amount": f"{amount:,.2f}", "left": f"{left:,.2f}"}, code="too_much"
        )
    entry = None
    if payment.source == Payment.Source.TOWNSHIP_FUND:
        entry = funds.fund_reverse(payment=payment.fund_entry, amount=amount, reason=reason, actor=actor)
    else:
        access_case(
            actor,
            process,
            "act_county_officer",
            error=ERR_NOT_COUNTY_OFFICER,
            node="county_pay",
            separation_error=ERR_OWN_CASE,
        )
    old = payment.reversed_amount
    payment.reversed_amount = old + amount
    payment.reversal_reason = "\n".join(r for r in (payment.reversal_reason, reason) if r)
    payment.save(update_fields=["reversed_amount", "reversal_reason"])
    audit_record(
        action="case.payment_reversed",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={"reversed_amount": [old, payment.reversed_amount]},
        data={"payment": payment.pk, "reason": reason, "fund_entry": entry and entry.pk},
    )
    _sync_sampling_amount(process=process, actor=actor)
    return payment


# --- letters (MSL 21, 38; SAI 65) --------------------------------------------------------


def _payment_way(process: TemporaryAssistanceProcess) -> str:
    payments = list(process.payments.order_by("seq"))
    source = (
        Payment.Source(payments[0].source).label
        if payments
        else (Payment.Source.TOWNSHIP_FUND.label if process.tier == Tier.TOWNSHIP else Payment.Source.COUNTY.label)
    )
    if process.assist_first:
        return str(_("先行救助，由%(source)s当即发放") % {"source": source})
    if payments and payments[0].amount == process.approved_amount:
        return str(_("由%(source)s一次性发放") % {"source": source})
    first = payments[0].amount if payments else Decimal("0.00")
    return str(_("由%(source)s分次发放，首次发放 %(first)s 元") % {"source": source, "first": f"{first:,.2f}"})


def _issuer(process: TemporaryAssistanceProcess) -> str:
    if process.tier == Tier.TOWNSHIP:
        return str(_("%(township)s人民政府（街道办事处）") % {"township": process.township.name})
    return str(_("%(county)s民政局") % {"county": process.county.name})


def letter_data(process: TemporaryAssistanceProcess):
    """The letter of a decided case, in Chinese whatever language the acting user reads (official document)."""
    from django.conf import settings
    from django.utils import translation

    from .documents import TemporaryAssistanceLetterData
    from .models import Cause

    head = process.household.head
    approved = process.decision == Decision.APPROVED
    with translation.override(settings.LANGUAGE_CODE):
        return TemporaryAssistanceLetterData(
            case_number=process.case_number,
            applicant_name=head.name if head else "",
            kind_label=str(Kind(process.kind).label),
            cause_label=str(Cause(process.cause).label),
            event_date=process.event_date,
            issuer=_issuer(process),
            decided_on=timezone.localdate(process.decided_at),
            approved=approved,
            amount=process.approved_amount if approved else None,
            payment_way=_payment_way(process) if approved else "",
            reasons=() if approved else tuple(process.decision_reason.splitlines()),
        )


def case_issue_letter(*, process_id: int):
    """Issue the decision or refusal letter of a decided case, once (the letter job; idempotent).

    Runs after the decision committed. The case row lock makes a redelivered job find the first
    letter instead of issuing a second one; it is this job's own short transaction, not the
    decision's. Returns the letter, or None while the case is undecided.
    """
    from workflows.documents.models import CaseDocument
    from workflows.documents.services import document_issue

    from .documents import render_letter_pdf

    kind = CaseDocument.Kind.TA_DECISION
    with transaction.atomic():
        process = (
            # of=self: the joined rows (nullable ones included) are read, only the case row is locked
            TemporaryAssistanceProcess.objects.select_for_update(of=("self",))
            .select_related("household", "township", "county", "decided_by")
            .filter(pk=process_id)
            .first()
        )
        if process is None or not process.decision:
            return None
        existing = CaseDocument.objects.filter(process_id=process_id, kind=kind, superseded_by__isnull=True).first()
        if existing is not None:
            return existing
        data = letter_data(process)
        suffix = "decision" if data.approved else "refusal"
        return document_issue(
            process_id=process_id,
            kind=kind,
            filename=f"{process.case_number}-{suffix}.pdf",
            render=lambda url: render_letter_pdf(data, verification_url=url),
            actor=process.decided_by,
            applicant_name=data.applicant_name,
        )

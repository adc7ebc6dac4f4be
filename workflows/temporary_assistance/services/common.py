"""What every step of a temporary-assistance case shares: who may file, limits, frequency, locks, paying, deciding, the sampling pool."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from viewflow.workflow.status import PROCESS

from workflows.core.audit import audit_record, diff
from workflows.core.models import County, DibaoStandard, TemporaryAssistanceRule, Township, Village
from workflows.core.models.rules import Area
from workflows.core.programmes import Programme
from workflows.core.scope import regions_where
from workflows.core.types import AnyUser, Staff
from workflows.funds import services as funds
from workflows.households.models import Household

from ..models import Decision, Payment, TemporaryAssistanceProcess
from .errors import (
    ERR_ABOVE_UNPAID,
    ERR_ALREADY_DECIDED,
    ERR_HOUSEHOLD_OUTSIDE,
    ERR_NO_PAYMENT_STEP,
    ERR_REASON_REQUIRED,
    ERR_REPEAT_WITHOUT_REASON,
    ERR_REVOKED,
    ERR_SAME_EVENT,
    ERR_YEARLY_LIMIT,
)

# Signatures an emergency can wait for: assist-first completes them afterwards (TA18 2(2), ZB20 15).
DEFERRABLE_CONSENT_CODES = frozenset({"check_authorisation", "truthfulness"})


# --- helpers -----------------------------------------------------------------


def townships_for_case_worker(user: AnyUser) -> QuerySet[Township]:
    return regions_where(user, "act_case_worker", Township)


def villages_for_village_assistant(user: AnyUser) -> QuerySet[Village]:
    return regions_where(user, "act_village_assistant", Village)


def can_open_case(user: AnyUser) -> bool:
    """Township case workers, and village assistants filing on the applicant's behalf (MSL 6)."""
    return user.is_authenticated and (
        townships_for_case_worker(user).exists() or villages_for_village_assistant(user).exists()
    )


def households_for_intake(user: AnyUser) -> QuerySet[Household]:
    """Households ``user`` may file for: the case worker's townships, the village assistant's villages."""
    return Household.objects.filter(
        Q(township__in=townships_for_case_worker(user)) | Q(village__in=villages_for_village_assistant(user))
    )


def _filing_channel(actor: Staff, village: Village) -> str:
    """The dibao intake's channel rule (MSL 6); outside the actor's regions: ``ERR_HOUSEHOLD_OUTSIDE``."""
    from workflows.dibao.services import filing_channel

    try:
        return filing_channel(actor, village)
    except ValidationError:
        raise ValidationError(ERR_HOUSEHOLD_OUTSIDE, code="outside") from None


def township_limit_on(
    county: County, on: datetime.date
) -> tuple[TemporaryAssistanceRule, DibaoStandard | None, Decimal]:
    """The rule in force, the urban standard it used (if any) and the township limit (TA18 2(2))."""
    rule = TemporaryAssistanceRule.objects.in_force(county=county, on=on)
    standard = None
    if rule.township_limit is None:
        standard = DibaoStandard.objects.in_force(county=county, on=on, area=Area.URBAN)
    return rule, standard, rule.effective_township_limit(on=on)


def _live_cases(household_id: int, exclude_pk: int | None) -> QuerySet[TemporaryAssistanceProcess]:
    """Other cases of the household that were not refused or cancelled."""
    qs = TemporaryAssistanceProcess.objects.filter(household_id=household_id).exclude(
        Q(decision=Decision.REFUSED) | Q(status=PROCESS.CANCELED)
    )
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def check_frequency(
    *, household: Household, cause: str, event_date: datetime.date, repeat_reason: str, exclude_pk: int | None = None
) -> None:
    """One payment per event; a repeat for the same cause needs a new reason; at most N per year (TA18 2(3)).

    "Per year" is the calendar year of the event, across all temporary-assistance cases of the
    household: a case filed in January for a December fire counts in the year of the fire.
    """
    from ..models import Cause

    live = _live_cases(household.pk, exclude_pk)
    label = Cause(cause).label
    if live.filter(cause=cause, event_date=event_date).exists():
        raise ValidationError(ERR_SAME_EVENT % {"cause": label, "date": event_date.isoformat()}, code="same_event")
    if live.filter(cause=cause, event_date__year=event_date.year).exists() and not repeat_reason.strip():
        raise ValidationError(ERR_REPEAT_WITHOUT_REASON % {"cause": label}, code="repeat")
    _check_yearly_count(household=household, event_date=event_date, exclude_pk=exclude_pk, live=live)


def _check_yearly_count(
    *, household: Household, event_date: datetime.date, exclude_pk: int | None = None, live: QuerySet | None = None
) -> None:
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

    from ..flows import TemporaryAssistanceFlow

    node = getattr(TemporaryAssistanceFlow, node_name)
    if not open_tasks(process, node).exists():
        raise ValidationError(ERR_NO_PAYMENT_STEP % {"step": node.task_title}, code="no_payment_step")


def _require_undecided(process: TemporaryAssistanceProcess) -> None:
    if process.decision:
        raise ValidationError(ERR_ALREADY_DECIDED, code="already_decided")


def _pay(
    *, process: TemporaryAssistanceProcess, amount: Decimal, source: str, actor: Staff, assist_first: bool = False
) -> Payment:
    """Stage one payment; from the township fund it is a ledger entry made under the fund's row lock.

    The unpaid amount is read under the case row lock, so concurrent calls never pay more than
    was approved (TA18 3(3)). The fund is found unlocked and locked by ``fund_pay``'s own
    statement (issue 19: one statement fewer under the fund's lock, which is held until the
    caller's transaction ends); the payment row refers to the ledger entry, so it follows.
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
        fund = funds.find_fund(township=process.township, budget_year=timezone.localdate(now).year)
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


def _decide(
    *,
    process: TemporaryAssistanceProcess,
    approve: bool,
    amount: Decimal | None,
    reason: str,
    actor: Staff,
    extra: dict | None = None,
) -> dict:
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
    from ..tasks import issue_decision_letter

    pk = process.pk
    # robust: a broker hiccup must not turn a committed decision into an error page; the
    # ``issue_missing_letters`` sweep issues any letter whose message was lost
    transaction.on_commit(lambda: issue_decision_letter.delay(pk), robust=True)


def _register_for_sampling(*, process: TemporaryAssistanceProcess, actor: Staff) -> None:
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
        programme=Programme.TEMPORARY_ASSISTANCE,
        county=process.county_id,
        township=process.township_id,
        village=process.village_id,
        case_number=process.case_number or "",
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


def _sync_sampling_amount(*, process: TemporaryAssistanceProcess, actor: Staff) -> None:
    from workflows.sampling.services import approval_one_off_update

    approval_one_off_update(process_id=process.pk, one_off_amount=process.paid_amount(), actor=actor)


def _refuse_if_revoked(process: TemporaryAssistanceProcess) -> None:
    """A revocation by the county sampling review stops further payments (SAI 66, 68)."""
    from workflows.sampling.models import ApprovalRecord

    if ApprovalRecord.objects.filter(process_id=process.pk, revoked=True).exists():
        raise ValidationError(ERR_REVOKED, code="revoked")

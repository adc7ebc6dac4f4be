"""Re-checks (MSL 31), events between them, and phase-out (N22 1(3)).

A re-check is scheduled when a benefit opens and after every re-check: every
``unstable_recheck_months`` (default 6) for a household with an able-bodied member of
working age or wage / business income, every ``stable_recheck_months`` (default 12) for
the others (all elderly, severely disabled or without working capacity); the cadences
are the county's ``CaseloadRule``. Beat opens re-checks as they come due. A recorded
death brings the re-check forward to within ``death_recheck_months`` (default 3) of it;
a reported income change opens one at once. Each re-check runs the finance check again
under fresh consent, a simplified home visit, and ends in continue / adjust / stop
(adjust and stop are ``benefit_change`` decisions with their letters).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workflows.core import programmes
from workflows.core.access import holds
from workflows.core.audit import audit_record, diff
from workflows.core.id_numbers import age_on
from workflows.core.models import AuditEvent
from workflows.core.types import Actor, Staff, StrOrPromise
from workflows.households.models import Consent, DeclaredIncome, Household

from ..models import (
    Benefit,
    BenefitChange,
    BenefitStatus,
    CaseloadRule,
    ChangeKind,
    Ground,
    Recheck,
    RecheckOutcome,
    RecheckReason,
)
from ..months import add_months, month_of, months_after, next_month
from ..receivers import CHECK_REF_PREFIX
from . import errors
from .benefits import _record_change, _today, benefit_change

if TYPE_CHECKING:
    from workflows.finance_check.models import FinanceCheckProcess

WORKING_AGE = (16, 60)  # years: from 16 to before 60
#: Declared incomes that make a household's income unstable (MSL 31).
UNSTABLE_INCOME_KINDS = frozenset({DeclaredIncome.Kind.WAGE, DeclaredIncome.Kind.BUSINESS})
#: Beat opens a scheduled re-check this many days before it is due.
OPEN_AHEAD_DAYS = 30


def _audit(
    recheck: Recheck,
    action: str,
    actor: Actor,
    *,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return audit_record(
        action=action, target=recheck, actor=actor, process_id=recheck.benefit.source_case_id, changes=changes,
        data={"recheck": recheck.pk, **(data or {})},
    )  # fmt: skip


# --- cadence -----------------------------------------------------------------------
def able_of_working_age(
    born: datetime.date, *, can_work: bool, disabled: bool, student: bool, on: datetime.date
) -> bool:
    """A member who makes the household unstable (MSL 31): of working age on ``on`` and able
    to work (not disabled, not a student)."""
    return can_work and not disabled and not student and WORKING_AGE[0] <= age_on(born, on) < WORKING_AGE[1]


def household_is_stable(household: Household, on: datetime.date) -> bool:
    """MSL 31: stable unless a member of working age is able to work (not disabled, not a
    student) or a member declares wage or business income."""
    for member in household.members.all():
        if able_of_working_age(member.birth_date, can_work=member.can_work, disabled=member.is_disabled,
                               student=member.is_student, on=on):  # fmt: skip
            return False
    unstable = DeclaredIncome.objects.filter(
        member__household=household, kind__in=UNSTABLE_INCOME_KINDS, monthly_amount__gt=0
    )
    return not unstable.exists()


def recheck_months_for(benefit: Benefit, on: datetime.date) -> int:
    """The county's cadence for this benefit on ``on`` (MSL 31); the programme says whether
    the household's stability matters (``RecheckPolicy.by_stability``)."""
    rule = CaseloadRule.for_county(benefit.county_id, on)
    if not programmes.spec(benefit.programme).recheck.by_stability or household_is_stable(benefit.household, on):
        return rule.stable_recheck_months
    return rule.unstable_recheck_months


@transaction.atomic
def recheck_schedule(*, benefit: Benefit, after: datetime.date, actor: Actor) -> Recheck:
    """Schedule the benefit's next re-check ``recheck_months_for`` months after ``after``."""
    benefit = Benefit.objects.select_for_update().get(pk=benefit.pk)
    months = recheck_months_for(benefit, after)
    recheck = Recheck.objects.create(
        benefit=benefit, county_id=benefit.county_id, township_id=benefit.township_id,
        reason=RecheckReason.SCHEDULED, due_on=months_after(after, months),
    )  # fmt: skip
    old = {"next_recheck_due": benefit.next_recheck_due, "recheck_months": benefit.recheck_months}
    benefit.recheck_months, benefit.next_recheck_due = months, recheck.due_on
    benefit.save(update_fields=["recheck_months", "next_recheck_due"])
    _audit(recheck, "caseload.recheck_scheduled", actor,
           changes=diff(old, {"next_recheck_due": recheck.due_on, "recheck_months": months}),
           data={"reason": recheck.reason})  # fmt: skip
    return recheck


def recheck_open_due(*, today: datetime.date, ahead_days: int = OPEN_AHEAD_DAYS) -> int:
    """Beat: open every scheduled re-check due within ``ahead_days`` (one UPDATE statement,
    bounded memory at any caseload size). Returns how many were opened."""
    horizon = today + datetime.timedelta(days=ahead_days)
    return Recheck.objects.filter(outcome=RecheckOutcome.OPEN, opened_on__isnull=True, due_on__lte=horizon).update(
        opened_on=today
    )


# --- events between re-checks ----------------------------------------------------------
def _may_record_event(actor: Actor, household: Household) -> None:
    """Staff of the household's township record events; ``actor=None`` is the registry
    adapter (household registration's death notice), which acts for the engine."""
    if actor is None:
        return
    if not (
        holds(actor, "act_case_worker", township=household.township_id)
        or holds(actor, "act_approver", township=household.township_id)
    ):
        raise PermissionDenied(errors.ERR_NOT_CASE_WORKER)


def _bring_forward(
    *, benefit: Benefit, reason: str, event_on: datetime.date, due_on: datetime.date, actor: Actor, today: datetime.date
) -> Recheck:
    recheck = Recheck.objects.select_for_update().filter(benefit=benefit, outcome=RecheckOutcome.OPEN).first()
    if recheck is None:
        recheck = Recheck.objects.create(
            benefit=benefit, county_id=benefit.county_id, township_id=benefit.township_id, reason=reason,
            due_on=due_on, opened_on=today, event_on=event_on,
        )  # fmt: skip
        old: dict[str, Any] = {"due_on": None}
    else:
        old = {"due_on": recheck.due_on, "reason": recheck.reason}
        if due_on < recheck.due_on:
            recheck.due_on, recheck.reason, recheck.event_on = due_on, reason, event_on
        recheck.opened_on = recheck.opened_on or today
        recheck.save(update_fields=["due_on", "reason", "event_on", "opened_on"])
    Benefit.objects.filter(pk=benefit.pk).update(next_recheck_due=recheck.due_on)
    _audit(recheck, "caseload.recheck_brought_forward", actor,
           changes=diff(old, {"due_on": recheck.due_on, "reason": recheck.reason}),
           data={"event": reason, "event_on": event_on})  # fmt: skip
    return recheck


@transaction.atomic
def recheck_on_death(
    *, household: Household, died_on: datetime.date, actor: Actor, today: datetime.date | None = None
) -> list[Recheck]:
    """A member's recorded death (staff entry, or ``actor=None`` from the registry): every
    benefit of the household in force gets a re-check due within the county's
    ``death_recheck_months`` (default 3) of the death (MSL 31)."""
    _may_record_event(actor, household)
    today = today or _today()
    out = []
    for benefit in Benefit.objects.select_for_update().filter(household=household).exclude(
        status=BenefitStatus.STOPPED
    ):  # fmt: skip
        months = CaseloadRule.for_county(benefit.county_id, died_on).death_recheck_months
        out.append(_bring_forward(benefit=benefit, reason=RecheckReason.DEATH, event_on=died_on,
                                  due_on=months_after(died_on, months), actor=actor, today=today))  # fmt: skip
    return out


@transaction.atomic
def recheck_on_income_change(
    *, household: Household, reported_on: datetime.date, actor: Actor, today: datetime.date | None = None
) -> list[Recheck]:
    """A reported change of income opens a re-check at once, due the day it is reported (MSL 31, 32)."""
    _may_record_event(actor, household)
    today = today or _today()
    benefits = Benefit.objects.select_for_update().filter(household=household).exclude(status=BenefitStatus.STOPPED)
    return [
        _bring_forward(
            benefit=b,
            reason=RecheckReason.INCOME_CHANGE,
            event_on=reported_on,
            due_on=reported_on,
            actor=actor,
            today=today,
        )
        for b in benefits
    ]


# --- the re-check's steps --------------------------------------------------------------
def _open_recheck_for(actor: Staff, recheck: Recheck, codename: str, error: StrOrPromise) -> Recheck:
    recheck = Recheck.objects.select_for_update().select_related("benefit", "benefit__household").get(pk=recheck.pk)
    if not recheck.is_open:
        raise ValidationError(errors.ERR_RECHECK_CLOSED)
    if not holds(actor, codename, township=recheck.township_id):
        raise PermissionDenied(error)
    return recheck


def _finance_check_request(**kwargs: Any) -> FinanceCheckProcess:
    """The finance check's public entry point (a seam the tests replace)."""
    from workflows.finance_check.services import finance_check_request

    return finance_check_request(**kwargs)


def _record_fresh_consents(
    *,
    household: Household,
    member_ids: list[int],
    signed_on: datetime.date,
    since: datetime.date,
    on: datetime.date,
    actor: Staff,
) -> list[int]:
    """The check authorisations the case worker saw signed for this re-check (paper forms
    kept on file): one ``Consent`` per member named, who must belong to the household."""
    members = {m.pk: m for m in household.members.all()}
    unknown = [pk for pk in member_ids if pk not in members]
    if unknown:
        raise ValidationError(errors.ERR_NOT_A_MEMBER)
    if member_ids and not since <= signed_on <= on:
        raise ValidationError(errors.ERR_CONSENT_DATE % {"since": since.isoformat()})
    for pk in member_ids:
        Consent.objects.create(
            member=members[pk], kind=Consent.Kind.CHECK_AUTHORISATION, signed_on=signed_on, recorded_by=actor
        )
    return sorted(member_ids)


@transaction.atomic
def recheck_request_check(
    *,
    recheck: Recheck,
    actor: Staff,
    on: datetime.date | None = None,
    consents_from: tuple[int, ...] | list[int] = (),
    consents_signed_on: datetime.date | None = None,
) -> Recheck:
    """The case worker requests the finance check again (MSL 31). Only under fresh consent:
    every adult must have signed a check authorisation on or after the re-check opened
    (MSL 9); the authorisation from the application does not cover a re-check. The
    authorisations signed for this re-check are recorded with the request
    (``consents_from``: member ids, signed on ``consents_signed_on``)."""
    recheck = _open_recheck_for(actor, recheck, "act_case_worker", errors.ERR_NOT_CASE_WORKER)
    if recheck.finance_check_id:
        raise ValidationError(errors.ERR_CHECK_ALREADY_REQUESTED)
    on = on or _today()
    household = recheck.benefit.household
    since = recheck.opened_on or on
    recorded = _record_fresh_consents(household=household, member_ids=list(consents_from),
                                      signed_on=consents_signed_on or on, since=since, on=on, actor=actor)  # fmt: skip
    fresh = set(
        Consent.objects.filter(
            member__household=household, kind=Consent.Kind.CHECK_AUTHORISATION, withdrawn_at__isnull=True,
            signed_on__gte=since,
        ).values_list("member_id", flat=True)
    )  # fmt: skip
    missing = [m.name for m in household.adults(on) if m.pk not in fresh]
    if missing:
        raise ValidationError(errors.ERR_FRESH_CONSENT % {"names": "、".join(missing)})
    check = _finance_check_request(
        household=household, purpose=recheck.benefit.programme, case_ref=f"{CHECK_REF_PREFIX}{recheck.pk}", actor=actor
    )
    recheck.finance_check_id, recheck.check_requested_on = check.pk, on
    recheck.opened_on = recheck.opened_on or on
    recheck.save(update_fields=["finance_check_id", "check_requested_on", "opened_on"])
    _audit(recheck, "caseload.recheck_check_requested", actor, changes={"finance_check_id": [None, check.pk]},
           data={"consents_recorded": recorded})  # fmt: skip
    return recheck


@transaction.atomic
def recheck_record_check_result(*, recheck_id: int, check_id: int, outcome: str, result: dict) -> Recheck | None:
    """The finance check finished (its signal): keep its outcome on the re-check. A result
    of an older check, or for a closed re-check, is ignored."""
    recheck = Recheck.objects.select_for_update().select_related("benefit").filter(pk=recheck_id).first()
    if recheck is None or not recheck.is_open or recheck.finance_check_id != check_id:
        return None
    old = recheck.finance_outcome
    recheck.finance_outcome, recheck.finance_result = outcome, result
    recheck.save(update_fields=["finance_outcome", "finance_result"])
    _audit(recheck, "caseload.recheck_check_recorded", None, changes={"finance_outcome": [old, outcome]})
    return recheck


@transaction.atomic
def recheck_record_visit(*, recheck: Recheck, visited_on: datetime.date, findings: str, actor: Staff) -> Recheck:
    """The simplified home visit of a re-check: who went, when, what they found."""
    recheck = _open_recheck_for(actor, recheck, "act_case_worker", errors.ERR_NOT_CASE_WORKER)
    if not (findings or "").strip():
        raise ValidationError(errors.ERR_VISIT_FINDINGS)
    recheck.visited_on, recheck.visit_findings, recheck.visited_by = visited_on, findings.strip(), actor
    recheck.save(update_fields=["visited_on", "visit_findings", "visited_by"])
    _audit(recheck, "caseload.recheck_visit", actor, changes={"visited_on": [None, visited_on]})
    return recheck


@transaction.atomic
def recheck_decide(
    *,
    recheck: Recheck,
    outcome: str,
    actor: Staff,
    ground: str = "",
    reasons: str = "",
    new_amount: Decimal | None = None,
    on: datetime.date | None = None,
) -> Recheck:
    """The township approver ends the re-check (MSL 31, 32): continue (the next re-check is
    scheduled), adjust (an increase or reduction decided with its ground, reasons and
    letter; the next re-check is scheduled) or stop (a stop decision with its letter)."""
    recheck = _open_recheck_for(actor, recheck, "act_approver", errors.ERR_NOT_TOWNSHIP_APPROVER)
    if not recheck.finance_outcome:
        raise ValidationError(errors.ERR_CHECK_NOT_DONE)
    if recheck.visited_on is None:
        raise ValidationError(errors.ERR_VISIT_NOT_DONE)
    on = on or _today()
    benefit = recheck.benefit
    change = None
    if outcome in (RecheckOutcome.ADJUST, RecheckOutcome.STOP):
        if not ground or not (reasons or "").strip():
            raise ValidationError(errors.ERR_OUTCOME_NEEDS_CHANGE)
        if outcome == RecheckOutcome.STOP:
            kind = ChangeKind.STOP
        elif new_amount is None or Decimal(new_amount) == benefit.monthly_amount:
            raise ValidationError(errors.ERR_ADJUST_SAME_AMOUNT)
        else:
            kind = ChangeKind.INCREASE if Decimal(new_amount) > benefit.monthly_amount else ChangeKind.REDUCE
        change = benefit_change(benefit=benefit, kind=kind, ground=ground, reasons=reasons, new_amount=new_amount,
                                actor=actor, on=on)  # fmt: skip
    elif outcome != RecheckOutcome.CONTINUE:
        raise ValidationError(errors.ERR_OUTCOME_NEEDS_CHANGE)
    recheck.outcome, recheck.decided_on, recheck.decided_by, recheck.change = outcome, on, actor, change
    recheck.save(update_fields=["outcome", "decided_on", "decided_by", "change"])
    _audit(recheck, "caseload.recheck_decided", actor, changes={"outcome": ["", outcome]},
           data={"change": change.pk if change else None})  # fmt: skip
    if outcome != RecheckOutcome.STOP:
        recheck_schedule(benefit=benefit, after=on, actor=actor)
    return recheck


# --- phase-out (N22 1(3)) ----------------------------------------------------------------
@transaction.atomic
def benefit_phase_out(
    *, benefit: Benefit, months: int, reasons: str, actor: Staff, on: datetime.date | None = None
) -> BenefitChange:
    """Income lifted above the line by employment: the benefit continues for up to the
    county's ``phase_out_max_months`` (default 6) from next month, then stops by itself
    (``phase_outs_end``). A decision of the township approver, with its letter."""
    benefit = Benefit.objects.select_for_update().get(pk=benefit.pk)
    if not holds(actor, "act_approver", township=benefit.township_id):
        raise PermissionDenied(errors.ERR_NOT_TOWNSHIP_APPROVER)
    on = on or _today()
    limit = CaseloadRule.for_county(benefit.county_id, on).phase_out_max_months
    if not 1 <= int(months) <= limit:
        raise ValidationError(errors.ERR_PHASE_OUT_MONTHS % {"max": limit})
    effective = next_month(on)
    return _record_change(
        benefit=benefit, kind=ChangeKind.PHASE_OUT, ground=Ground.EMPLOYMENT, reasons=reasons, actor=actor,
        decided_on=on, effective_month=effective, phase_out_until=add_months(effective, int(months) - 1),
    )  # fmt: skip


def phase_outs_end(*, today: datetime.date) -> int:
    """Beat: in the last month of a phase-out, stop the benefit from the month after it, with
    a letter (N22 1(3)); one transaction per benefit, read in chunks. Returns how many."""
    ids = Benefit.objects.filter(status=BenefitStatus.PHASING_OUT, phase_out_until__lte=month_of(today))
    done = 0
    for pk in ids.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            benefit = Benefit.objects.select_for_update().get(pk=pk)
            if benefit.status != BenefitStatus.PHASING_OUT:
                continue
            last = benefit.phase_out_until
            assert last is not None  # a benefit phasing out has its last month (benefit_phase_out)
            _record_change(
                benefit=benefit, kind=ChangeKind.STOP, ground=Ground.PHASE_OUT_ENDED,
                reasons=_("渐退期至%(month)s届满，依规停发保障金。") % {"month": last.strftime("%Y-%m")},
                actor=None, decided_on=today, effective_month=add_months(last, 1),
            )  # fmt: skip
            done += 1
    return done

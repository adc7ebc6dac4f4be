"""Decisions by tier (分级审批, SAI 48, TA18 2(2)): township, county, case by case."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from workflows.core.access import access_case
from workflows.core.audit import audit_record
from workflows.core.money import exact_positive_amount
from workflows.core.types import Staff

from ..models import Payment, TemporaryAssistanceProcess, Tier
from .common import (
    _check_yearly_count,
    _decide,
    _lock_case,
    _pay,
    _register_for_sampling,
    _require_open_step,
    _require_undecided,
    township_limit_on,
)
from .errors import (
    ERR_ABOVE_REQUESTED,
    ERR_ABOVE_TOWNSHIP_LIMIT,
    ERR_ABOVE_UNPAID,
    ERR_AMOUNT,
    ERR_AMOUNT_REQUIRED,
    ERR_MEETING_IN_FUTURE,
    ERR_MEETING_REQUIRED,
    ERR_NOT_APPROVER,
    ERR_NOT_COUNTY_OFFICER,
    ERR_OWN_CASE,
    ERR_WRONG_TIER,
)

# --- decisions (分级审批, SAI 48, TA18 2(2)) ---------------------------------------------


def _approval_amounts(
    process: TemporaryAssistanceProcess, approve: bool, amount: Decimal | None, first_payment: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    if not approve:
        return None, None
    if amount in (None, ""):
        # the decision form's amount is optional (a refusal has none): an approval without one is
        # the approver's omission, told as a field error, not a server error
        raise ValidationError(ERR_AMOUNT_REQUIRED, code="amount_required")
    amount = exact_positive_amount(amount, error=ERR_AMOUNT)
    if amount > process.requested_amount:
        raise ValidationError(ERR_ABOVE_REQUESTED % {"requested": f"{process.requested_amount:,.2f}"})
    first = exact_positive_amount(first_payment, error=ERR_AMOUNT) if first_payment not in (None, "") else amount
    if first > amount:
        raise ValidationError(ERR_ABOVE_UNPAID % {"amount": f"{first:,.2f}", "unpaid": f"{amount:,.2f}"})
    return amount, first


@transaction.atomic
def case_township_approve(
    *,
    process: TemporaryAssistanceProcess,
    approve: bool,
    amount: Decimal | None = None,
    first_payment: Decimal | None = None,
    reason: str = "",
    actor: Staff,
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
        assert amount is not None  # set by _approval_amounts when approving
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
        assert first is not None  # set by _approval_amounts when approving
        _pay(process=process, amount=first, source=Payment.Source.TOWNSHIP_FUND, actor=actor)
        _register_for_sampling(process=process, actor=actor)
    return process


@transaction.atomic
def case_county_approve(
    *,
    process: TemporaryAssistanceProcess,
    approve: bool,
    amount: Decimal | None = None,
    first_payment: Decimal | None = None,
    reason: str = "",
    actor: Staff,
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
        assert first is not None  # set by _approval_amounts when approving
        _pay(process=process, amount=first, source=Payment.Source.COUNTY, actor=actor)
    return process


@transaction.atomic
def case_decide_case_by_case(
    *,
    process: TemporaryAssistanceProcess,
    approve: bool,
    meeting_date: datetime.date,
    participants: str,
    amount: Decimal | None = None,
    first_payment: Decimal | None = None,
    reason: str = "",
    actor: Staff,
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
        assert first is not None  # set by _approval_amounts when approving
        _pay(process=process, amount=first, source=Payment.Source.COUNTY, actor=actor)
    return process

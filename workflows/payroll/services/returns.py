"""Payments the bank returned, and their reissue once the account is corrected."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from workflows.core.types import Staff

# Test seams (``_today``, ``_now``) are looked up through the package, so that patching
# ``workflows.payroll.services.<name>`` reaches every caller.
from workflows.payroll import services

from ..models import PaymentRollLine
from .common import _audit, _require
from .errors import (
    ERR_ACCOUNT_REQUIRED,
    ERR_ACCOUNT_UNCHANGED,
    ERR_ALREADY_REISSUED,
    ERR_ALREADY_RETURNED,
    ERR_NOT_CASE_WORKER,
    ERR_NOT_FROZEN,
    ERR_NOT_RETURNED,
    ERR_REASON_REQUIRED,
)


@transaction.atomic
def line_return(*, line: PaymentRollLine, reason: str, actor: Staff) -> PaymentRollLine:
    """Record a payment the bank returned (e.g. a closed account)."""
    line = PaymentRollLine.objects.select_for_update().select_related("roll").get(pk=line.pk)
    _require(actor, "act_case_worker", line.roll.township_id, ERR_NOT_CASE_WORKER)
    if not line.roll.is_frozen:
        raise ValidationError(ERR_NOT_FROZEN)
    if line.returned_at is not None:
        raise ValidationError(ERR_ALREADY_RETURNED)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(ERR_REASON_REQUIRED)
    line.returned_at, line.returned_reason = services._now(), reason[:200]
    line.save(update_fields=["returned_at", "returned_reason"])
    _audit(
        line.roll,
        "payroll.line_returned",
        actor,
        changes={"returned": [False, True]},
        data={"line": line.pk, "payee": line.payee_name, "amount": line.amount, "reason": line.returned_reason},
    )
    return line


@transaction.atomic
def line_reissue_ready(*, line: PaymentRollLine, bank_account: str, actor: Staff) -> PaymentRollLine:
    """The household's account is corrected: record it, and the next roll reissues the
    returned payment."""
    line = PaymentRollLine.objects.select_for_update().select_related("roll", "household").get(pk=line.pk)
    _require(actor, "act_case_worker", line.roll.township_id, ERR_NOT_CASE_WORKER)
    if line.returned_at is None:
        raise ValidationError(ERR_NOT_RETURNED)
    if line.reissue_ready or PaymentRollLine.objects.filter(reissue_of=line).exists():
        raise ValidationError(ERR_ALREADY_REISSUED)
    account = "".join((bank_account or "").split())
    if not account:
        raise ValidationError(ERR_ACCOUNT_REQUIRED)
    if account == line.bank_account:
        raise ValidationError(ERR_ACCOUNT_UNCHANGED)
    household = line.household
    old_account = household.bank_account
    household.bank_account = account
    household.save(update_fields=["bank_account"])
    line.reissue_ready = True
    line.save(update_fields=["reissue_ready"])
    _audit(
        line.roll,
        "payroll.reissue_ready",
        actor,
        changes={"bank_account": [old_account, account]},
        data={"line": line.pk, "household": household.pk},
    )
    return line

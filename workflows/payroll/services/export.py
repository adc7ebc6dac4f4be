"""Who may view a roll, and the logged export of a frozen roll with full numbers (PIPL)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from workflows.core.access import holds
from workflows.core.pii import clean_reason
from workflows.core.types import AnyUser, Staff

# Test seams (``_today``, ``_now``) are looked up through the package, so that patching
# ``workflows.payroll.services.<name>`` reaches every caller.
from ..models import PaymentRoll
from .common import _audit
from .errors import (
    ERR_NOT_FROZEN,
    ERR_NOT_TOWNSHIP_STAFF,
)


def may_view_roll(user: AnyUser, roll: PaymentRoll) -> bool:
    """Township staff of the roll's township, county staff of its county."""
    return (
        holds(user, "view_township_cases", township=roll.township_id)
        or holds(user, "view_county_cases", county=roll.county_id)
        or holds(user, "audit_county", county=roll.county_id)
    )


@transaction.atomic
def roll_export_record(*, roll: PaymentRoll, fmt: str, reason: str, actor: Staff) -> None:
    """Log the export of a frozen roll with full ID and account numbers (PIPL: who, when,
    why), before the file is produced."""
    if not may_view_roll(actor, roll) or not (
        holds(actor, "act_case_worker", township=roll.township_id)
        or holds(actor, "act_approver", township=roll.township_id)
        or holds(actor, "act_county_officer", county=roll.county_id)
    ):
        raise PermissionDenied(ERR_NOT_TOWNSHIP_STAFF)
    if not roll.is_frozen:
        raise ValidationError(ERR_NOT_FROZEN)
    reason = clean_reason(reason)
    _audit(
        roll,
        "payroll.exported",
        actor,
        data={"format": fmt, "reason": reason, "line_count": roll.line_count, "fields": ["id_number", "bank_account"]},
    )

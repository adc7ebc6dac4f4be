"""What every payroll service shares: the clock (a test seam), the permission check, the audit row, month arithmetic."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from workflows.caseload.models import Benefit, BenefitKind
from workflows.caseload.months import add_months, month_of
from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.types import AnyUser, Staff, StrOrPromise

from ..models import PaymentRoll

ZERO = Decimal("0.00")


def _now() -> datetime.datetime:
    return timezone.now()


def _today() -> datetime.date:
    return timezone.localdate()


def _require(user: AnyUser, codename: str, township_id: int, error: StrOrPromise) -> None:
    if not holds(user, codename, township=township_id):
        raise PermissionDenied(error)


def _audit(
    roll: PaymentRoll, action: str, actor: Staff, *, changes: dict[str, list] | None = None, data: dict | None = None
) -> None:
    audit_record(action=action, target=roll, actor=actor, changes=changes, data=data)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every month from ``first`` to ``last`` inclusive (first days)."""
    out, month = [], month_of(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def benefit_owed(benefit: Benefit, first: datetime.date, through: datetime.date) -> Decimal:
    """What ``benefit`` pays for the months ``first``..``through`` (its changes prefetched)."""
    if benefit.kind != BenefitKind.MONTHLY:
        return ZERO
    start = max(month_of(first), benefit.starts)
    return sum((benefit.amount_in(m) for m in months_between(start, through)), ZERO)

"""Validators of what a household declares: income and rigid expenditure.

The ID-number validators live in ``workflows.core.id_numbers`` (a leaf module core
uses too) and are re-exported here for existing callers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflows.core.id_numbers import (
    ERR_ID_BIRTH,
    ERR_ID_CHECK,
    ERR_ID_FORMAT,
    ID_SHAPE,
    birth_date_from_id,
    id_check_char,
    mask_id_number,
    normalise_id_number,
    validate_id_number,
)

__all__ = [
    "ERR_ID_BIRTH",
    "ERR_ID_CHECK",
    "ERR_ID_FORMAT",
    "ID_SHAPE",
    "birth_date_from_id",
    "id_check_char",
    "mask_id_number",
    "normalise_id_number",
    "validate_id_number",
]

ERR_INCOME_KIND = _("请选择这项收入的类别。")
ERR_INCOME_AMOUNT = _("请填写这项收入的月均金额（大于 0 元）。")
ERR_EXPENSE_KIND = _("请选择刚性支出的类别。")
ERR_EXPENSE_AMOUNT = _("请填写刚性支出的月均金额（大于 0 元）。")


def validate_rigid_expense(kind: str, monthly_amount) -> None:
    """One essential-spending row (MSL 13): a known kind and a positive monthly amount."""
    from decimal import Decimal, InvalidOperation

    from .models import RigidExpense

    if kind not in RigidExpense.Kind.values:
        raise ValidationError(ERR_EXPENSE_KIND, code="expense_kind")
    try:
        amount = Decimal(str(monthly_amount))
    except (InvalidOperation, ValueError):
        raise ValidationError(ERR_EXPENSE_AMOUNT, code="expense_amount") from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:
        raise ValidationError(ERR_EXPENSE_AMOUNT, code="expense_amount")


def validate_declared_income(kind: str, monthly_amount) -> None:
    """One further income row of a member: a known kind and a positive monthly amount."""
    from decimal import Decimal, InvalidOperation

    from .models import DeclaredIncome

    if kind not in DeclaredIncome.Kind.values:
        raise ValidationError(ERR_INCOME_KIND, code="income_kind")
    try:
        amount = Decimal(str(monthly_amount))
    except (InvalidOperation, ValueError):
        raise ValidationError(ERR_INCOME_AMOUNT, code="income_amount") from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:
        raise ValidationError(ERR_INCOME_AMOUNT, code="income_amount")

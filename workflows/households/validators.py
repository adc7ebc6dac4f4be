"""Resident identity number (公民身份号码) validation, GB 11643-1999.

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence
(odd = male), and an ISO 7064 MOD 11-2 check character (0-9 or X).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

ERR_ID_FORMAT = _("身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X。")
ERR_ID_BIRTH = _("身份证号码中的出生日期无效。")
ERR_ID_CHECK = _("身份证号码校验位不正确，请核对后重新输入。")


def id_check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper()


def birth_date_from_id(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def validate_id_number(value: str) -> None:
    value = normalise_id_number(value)
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(ERR_ID_FORMAT, code="id_format")
    try:
        born = birth_date_from_id(value)
    except ValueError:
        raise ValidationError(ERR_ID_BIRTH, code="id_birth") from None
    if born > datetime.date.today() or born.year < 1900:
        raise ValidationError(ERR_ID_BIRTH, code="id_birth")
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(ERR_ID_CHECK, code="id_check")


def mask_id_number(value: str) -> str:
    """For screens that must identify without revealing: 1101**********123X."""
    return f"{value[:4]}{'*' * 10}{value[-4:]}" if value else ""


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

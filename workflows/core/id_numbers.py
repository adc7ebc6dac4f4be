"""Resident identity number (公民身份号码) validation, GB 11643-1999: the one
validator every entry point uses (staff intake, portal, API, models).

A leaf module (standard library, Django and python-stdnum only) so that ``core`` (staff
relatives, duties) and ``households`` both use it without importing each other.

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence
(odd = male), and an ISO 7064 MOD 11-2 check character (0-9 or X).

The shape is checked on ASCII first: ``str.isdigit()`` and ``\\d`` accept
full-width, Arabic-Indic, superscript and other digits, which were stored and
then never matched (or crashed ``int()``). Check digit and birth date are
python-stdnum's (``stdnum.cn.ric``); its birth-place lookup is not used, as the
address codes of a county change and test counties are made up.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # [0-9], not \d: ASCII digits only

ERR_ID_FORMAT = _("身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X。")
ERR_ID_BIRTH = _("身份证号码中的出生日期无效。")
ERR_ID_CHECK = _("身份证号码校验位不正确，请核对后重新输入。")


def id_check_char(first17: str) -> str:
    """The check character of 17 ASCII digits (for demo and test data)."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise ValueError("17 ASCII digits expected")
    return ric.calc_check_digit(first17 + "0")


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper()


def birth_date_from_id(value: str) -> datetime.date:
    """The birth date of a well-formed ID; ``ValueError`` for anything else."""
    if not ID_SHAPE.fullmatch(value or ""):
        raise ValueError("not an 18-character resident ID")
    try:
        return ric.get_birth_date(value)
    except StdnumError:
        raise ValueError("no such date") from None


def validate_id_number(value: str) -> None:
    value = normalise_id_number(value)
    if not ID_SHAPE.fullmatch(value):
        raise ValidationError(ERR_ID_FORMAT, code="id_format")
    try:
        born = birth_date_from_id(value)
    except ValueError:
        raise ValidationError(ERR_ID_BIRTH, code="id_birth") from None
    if born > datetime.date.today() or born.year < 1900:
        raise ValidationError(ERR_ID_BIRTH, code="id_birth")
    if ric.calc_check_digit(value) != value[17]:
        raise ValidationError(ERR_ID_CHECK, code="id_check")


def mask_id_number(value: str) -> str:
    """For screens that must identify without revealing: 1101**********123X."""
    return f"{value[:4]}{'*' * 10}{value[-4:]}" if value else ""


def age_on(born: datetime.date, on: datetime.date) -> int:
    """Completed years on ``on`` of someone born on ``born``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_from_id(value: str, on: datetime.date) -> int:
    """Completed years on ``on`` of the holder of a well-formed ID (``ValueError`` otherwise)."""
    return age_on(birth_date_from_id(normalise_id_number(value)), on)

"""Money: Decimal yuan to the fen, one module for every app (house style: money helpers
in one home). Each function is named by what the caller means."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

from workflows.core.types import StrOrPromise

CENT = Decimal("0.01")


def round_to_fen(value: Decimal | int | str) -> Decimal:
    """A computed amount rounded half-up to the fen (1.005 -> 1.01): standards, gaps, amounts."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def sum_to_fen(value: Decimal | None) -> Decimal:
    """A database SUM of amounts, exact to the fen; no rows (None) is 0.00. SQLite keeps
    decimals as floats and Django converts an aggregate without rounding it, so 10,000.00
    minus 9,999.99 came back as 0.0100000000002183 and the ledger check failed."""
    return round_to_fen(value) if value is not None else Decimal("0.00")


def is_exact_amount(amount: Decimal) -> bool:
    """A stated amount as a document or an imported file must carry it: finite, not negative
    and no finer than the fen (nothing would be rounded away)."""
    return amount.is_finite() and amount >= 0 and amount == amount.quantize(CENT)


def exact_positive_amount(value: Decimal | int | str, *, error: StrOrPromise) -> Decimal:
    """An amount a person entered for a payment or a credit: more than zero and no finer
    than the fen (nothing is rounded away), else ``ValidationError(error)``."""
    amount = Decimal(value)
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValidationError(error, code="amount")
    return amount.quantize(CENT)


def non_negative_amount(value: Decimal | int | str | None, *, error: StrOrPromise) -> Decimal | None:
    """An optional recorded amount (``None`` stays ``None``) at the fen, never negative, else
    ``ValidationError(error)``. Rounds as ``Decimal.quantize`` does by default (half-even)."""
    if value is None:
        return None
    amount = Decimal(value).quantize(CENT)
    if amount < 0:
        raise ValidationError(error)
    return amount

"""Money, the monthly standard, bands (分档) and the one monthly-amount rule (MSL 23)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .data import DeclaredIncome, Standard
from .vocabulary import FEN, ZERO

# --- pure helpers -------------------------------------------------------------


def money(value: Decimal | int | str) -> Decimal:
    """A non-negative amount in yuan, rounded half-up to the fen."""
    amount = Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    return amount if amount > 0 else ZERO


def monthly_standard(standard: Standard) -> Decimal:
    """The standard per person per month (domain.md §3: yearly figures / 12)."""
    if standard.period == "yearly":
        return money(Decimal(standard.amount) / 12)
    return money(standard.amount)


@dataclass(frozen=True)
class Band:
    """A band (分档, MSL 23): a per-capita gap above ``gap_over`` up to and including
    ``gap_up_to`` (``None``: no upper bound) pays ``amount_per_person`` a month."""

    gap_over: Decimal
    gap_up_to: Decimal | None
    amount_per_person: Decimal

    def contains(self, gap: Decimal) -> bool:
        return gap > self.gap_over and (self.gap_up_to is None or gap <= self.gap_up_to)

    @property
    def interval(self) -> str:
        """The band as a half-open interval, e.g. ``(100.00, 200.00]`` or ``(200.00, +∞)``."""
        if self.gap_up_to is None:
            return f"({money(self.gap_over)}, +∞)"
        return f"({money(self.gap_over)}, {money(self.gap_up_to)}]"


def band_for(bands: Iterable[Band], gap_per_capita: Decimal) -> Band | None:
    """The band holding ``gap_per_capita``; ``None`` when the gap is not positive (income
    not below the standard: no amount). Raises ``ValueError`` when bands are configured
    but none holds a positive gap (the configuration is validated to prevent that)."""
    gap = Decimal(gap_per_capita)
    if gap <= 0:
        return None
    matching = [b for b in bands if b.contains(gap)]
    if len(matching) != 1:
        raise ValueError(f"{len(matching)} bands hold a per-capita gap of {gap}")
    return matching[0]


def banded_amount(bands: Iterable[Band], gap_per_capita: Decimal, household_size: int) -> tuple[Band | None, Decimal]:
    """The band used and the household's monthly amount: band amount per person x size
    (MSL 23); zero when the gap is not positive."""
    band = band_for(bands, gap_per_capita)
    if band is None:
        return None, ZERO
    return band, money(Decimal(band.amount_per_person) * household_size)


def net_declared(income: DeclaredIncome) -> Decimal:
    """A declared monthly income net of its job costs, never negative (MSL 13)."""
    return money(Decimal(income.monthly_amount) - Decimal(income.job_costs or 0))


def monthly_amount(
    *, gap_per_capita: Decimal, household_size: int, bands: Iterable[Band] = ()
) -> tuple[Band | None, Decimal]:
    """The household's monthly amount (MSL 23), the one place the rule lives: where the
    county configures bands (分档), the band's amount per person x household size;
    otherwise the gap x household size. Zero when the gap is not positive."""
    bands = tuple(bands)
    if bands:
        return banded_amount(bands, gap_per_capita, household_size)
    return None, money(Decimal(gap_per_capita) * household_size)

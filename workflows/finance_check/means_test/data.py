"""The means test's input and output dataclasses (plain data, JSON round-trip)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .vocabulary import ALWAYS_DEDUCTIBLE, FEN, ZERO

# --- inputs -------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    ref: str  # stable key within the household (e.g. the member pk); never an ID number in output
    name: str
    age: int = 30
    is_disabled: bool = False
    has_serious_illness: bool = False


@dataclass(frozen=True)
class DeclaredIncome:
    member_ref: str
    kind: str
    monthly_amount: Decimal
    job_costs: Decimal = ZERO


@dataclass(frozen=True)
class FoundIncome:
    """A monthly income a registry (or a hand-entered document) reports."""

    member_ref: str | None  # None: a household-level figure (hand-entered)
    kind: str
    monthly_amount: Decimal
    source: str
    detail: str = ""


@dataclass(frozen=True)
class Asset:
    kind: str
    value: Decimal
    source: str = ""  # "" = declared by the household
    description: str = ""
    member_ref: str | None = None
    count: int = 1
    disability_vehicle: bool = False


@dataclass(frozen=True)
class PersonStatus:
    member_ref: str
    status: str  # "normal" or anything else (deceased, moved_out, not_found)
    status_label: str = ""
    source: str = "household_registration"


@dataclass(frozen=True)
class Expense:
    kind: str
    monthly_amount: Decimal
    member: str = ""  # the member's name, so the computation names whose spending it is


@dataclass(frozen=True)
class ExpenseRules:
    """The county's rule for essential spending (MSL 13): which kinds are deducted and
    an optional monthly cap per kind (household total)."""

    deductible: tuple[str, ...] = ALWAYS_DEDUCTIBLE
    caps: dict[str, Decimal] = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class SinglePersonRule:
    """The county's single-person-household rule (单人户, domain.md §8): when ``enabled``, a
    severely disabled or seriously ill member of a family whose per-capita income is at
    most ``income_multiple`` x the standard may, on application, be enrolled alone."""

    enabled: bool = False
    income_multiple: Decimal = Decimal("1.50")
    label: str = ""


@dataclass(frozen=True)
class Standard:
    amount: Decimal
    period: str  # "monthly" | "yearly"
    label: str = ""


@dataclass(frozen=True)
class AssetRules:
    financial_assets_per_capita: Decimal
    vehicles_allowed: bool = False
    vehicle_value_limit: Decimal | None = None
    max_housing_units: int = 1
    business_entities_allowed: bool = False
    label: str = ""  # names the configured rule, e.g. "示范县家庭财产限额（2025-01-01 起）"


@dataclass(frozen=True)
class LowIncomeCriteria:
    """The county's low-income rule (低收入家庭认定, LB24; domain.md §8).

    低保边缘家庭: per-capita income not below the standard and at most ``income_multiple``
    x it. 刚性支出困难家庭: essential spending over 12 months above the household's income
    and per-capita income below ``spending_hardship_income_line`` (None: the county
    recognises no such category). ``asset_rules``: the low-income asset limits (None: the
    input's own, i.e. the county's dibao limits)."""

    income_multiple: Decimal = Decimal("1.50")
    asset_rules: AssetRules | None = None
    spending_hardship_income_line: Decimal | None = None
    label: str = ""


@dataclass(frozen=True)
class Policy:
    income_discrepancy_review_threshold: Decimal = Decimal("100.00")  # yuan per month, household total
    asset_discrepancy_review_threshold: Decimal = Decimal("5000.00")  # yuan, household total


@dataclass(frozen=True)
class ManualSource:
    source: str
    source_label: str
    entered_by: str
    note: str


@dataclass(frozen=True)
class MeansTestInput:
    members: tuple[Member, ...]
    standard: Standard
    asset_rules: AssetRules
    purpose: str = "dibao"
    spending_shock: bool = False
    declared_incomes: tuple[DeclaredIncome, ...] = ()
    found_incomes: tuple[FoundIncome, ...] = ()
    declared_assets: tuple[Asset, ...] = ()
    found_assets: tuple[Asset, ...] = ()
    expenses: tuple[Expense, ...] = ()
    expense_rules: ExpenseRules | None = None  # None: the national default (illness, disability, no cap)
    persons: tuple[PersonStatus, ...] = ()
    unavailable_sources: tuple[str, ...] = ()  # labels of sources with neither data nor a document
    manual_sources: tuple[ManualSource, ...] = ()
    source_labels: dict[str, str] = field(default_factory=dict)
    policy: Policy = Policy()
    # 单人户 (domain.md §8): the member asked to be enrolled alone, and the county rule
    # (None: the county configured none, which is the rule switched off).
    single_person_ref: str | None = None
    single_person_rule: SinglePersonRule | None = None
    # 低收入家庭认定 (LB24): set for a programme whose spec asks for the low-income test;
    # the result then names the category instead of computing an amount.
    low_income: LowIncomeCriteria | None = None


# --- outputs ------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    code: str
    severity: str
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IncomeLine:
    """One member x income kind: declared, found, used (the side-by-side row)."""

    member_ref: str | None
    member_name: str
    kind: str
    counted: bool
    declared: Decimal
    found: Decimal
    used: Decimal
    excess: Decimal  # found above declared (what the registry added)
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssetLine:
    kind: str
    declared: Decimal
    found: Decimal
    used: Decimal
    declared_count: int
    found_count: int
    financial: bool
    sources: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeductionLine:
    """One kind of essential spending: who, how much was claimed, how much was deducted."""

    kind: str
    kind_label: str
    members: tuple[str, ...]
    claimed: Decimal
    deducted: Decimal
    cap: Decimal | None = None
    rule: str = ""


@dataclass(frozen=True)
class MeansTestResult:
    outcome: str
    household_size: int
    standard: Decimal  # monthly, per person
    counted_income: Decimal  # monthly, household, after job costs
    excluded_income: Decimal
    deductions: Decimal
    net_income: Decimal
    per_capita_income: Decimal
    gap_per_capita: Decimal
    monthly_amount: Decimal
    financial_assets: Decimal
    financial_assets_per_capita: Decimal
    reasons: tuple[Reason, ...]
    income_lines: tuple[IncomeLine, ...] = ()
    asset_lines: tuple[AssetLine, ...] = ()
    deduction_lines: tuple[DeductionLine, ...] = ()
    version: int = 1
    # 单人户 (domain.md §8): empty unless a member asked to be enrolled alone; then who, the
    # rule and multiple, the household's figures and whether the rule applied.
    single_person: dict[str, Any] = field(default_factory=dict)
    # 低收入家庭认定 (LB24): empty unless the low-income test ran; then the category that
    # applied ("" when none did), its label and the figures behind it.
    low_income: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dict: Decimals as strings with two decimals, tuples as lists."""
        return _jsonable(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MeansTestResult:
        money = {f for f, t in cls.__annotations__.items() if t == "Decimal"}
        kwargs: dict[str, Any] = {
            k: (Decimal(v) if k in money else v) for k, v in data.items() if k in cls.__dataclass_fields__
        }
        kwargs["reasons"] = tuple(Reason(**r) for r in data.get("reasons", []))
        kwargs["income_lines"] = tuple(
            IncomeLine(
                **{
                    **line,
                    **{k: Decimal(line[k]) for k in ("declared", "found", "used", "excess")},
                    "sources": tuple(line["sources"]),
                }
            )
            for line in data.get("income_lines", [])
        )
        kwargs["asset_lines"] = tuple(
            AssetLine(
                **{
                    **line,
                    **{k: Decimal(line[k]) for k in ("declared", "found", "used")},
                    "sources": tuple(line["sources"]),
                    "items": tuple(line["items"]),
                }
            )
            for line in data.get("asset_lines", [])
        )
        kwargs["deduction_lines"] = tuple(
            DeductionLine(
                **{
                    **line,
                    "members": tuple(line["members"]),
                    "claimed": Decimal(line["claimed"]),
                    "deducted": Decimal(line["deducted"]),
                    "cap": Decimal(line["cap"]) if line.get("cap") is not None else None,
                }
            )
            for line in data.get("deduction_lines", [])
        )
        return cls(**kwargs)

    def reasons_of(self, severity: str) -> list[Reason]:
        return [r for r in self.reasons if r.severity == severity]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(FEN)) if value == value.quantize(FEN) else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value

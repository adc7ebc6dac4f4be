"""The means test (家庭经济状况认定) as pure functions over plain dataclasses.

No ORM, no settings, no clock: everything the test needs arrives in a
``MeansTestInput`` and everything it decided leaves in a ``MeansTestResult``,
with every reason and the numbers behind it, so that the decision letter and
the auditor view can show *why* (MSL 13, SAI 9-10, MSL 23).

Rules implemented (domain.md §3):

- Income counted (MSL 13): wages net of job costs, net business, property and
  transfer income. Excluded: veterans' benefits, family-planning awards,
  scholarships, bravery awards, assistance payments, locally excluded items.
- Declared versus found: for each member and income kind the *higher* of the
  declared and the registry figure is used (several sources reporting the same
  wage are not added up: the highest source counts). A registry figure above
  the declared one is reported as a discrepancy; when the household's total
  excess is above ``Policy.income_discrepancy_review_threshold`` the result is
  ``needs_review`` (unless it is already ``not_eligible``).
- Rigid expenditure (刚性支出, MSL 13): illness and disability costs are always
  deducted; education only for a spending-shock temporary-assistance case
  (TA18). Deductions never take income below zero.
- Standard: yearly standards are normalised to monthly (yearly / 12, rounded
  half-up to the fen).
- Eligibility (SAI 9): per-capita monthly income *below* the standard AND
  assets within the configured limits (SAI 10). Amount (MSL 23): the gap
  (standard - per-capita income) x household size, or, where the county
  configures bands (分档), the band's fixed amount per person x household size
  (``monthly_amount``, the one place the rule lives; ``band_for``,
  ``banded_amount``). ``evaluate`` folds the reason producers (``REASON_PRODUCERS``)
  over the figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")
FEN = Decimal("0.01")

COUNTED_INCOME_KINDS = ("wage", "business", "property", "transfer")
EXCLUDED_INCOME_KINDS = ("veteran", "family_planning", "scholarship", "bravery", "assistance", "local_excluded")
FINANCIAL_ASSET_KINDS = ("deposit", "securities", "insurance", "internet_finance", "claim")
ALWAYS_DEDUCTIBLE = ("illness", "disability")
SPENDING_SHOCK_DEDUCTIBLE = ("education",)

TEMPORARY_ASSISTANCE = "temporary_assistance"
HOUSEHOLD = None  # member_ref of a finding that names no member


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_REVIEW = "needs_review"


class Severity(StrEnum):
    INFO = "info"  # explains a number; does not change the outcome
    REVIEW = "review"  # a person must look before deciding
    DISQUALIFYING = "disqualifying"  # not eligible


# Reason messages: module constants (checked in tests), formatted with the
# reason's own numbers.
MSG_INCOME_BELOW = _(
    "家庭月人均收入 %(per_capita_income)s 元低于当地低保标准 %(standard)s 元（《社会救助暂行办法》第九条），"
    "差额 %(gap_per_capita)s 元/人·月，%(household_size)s 人，月保障金额 %(monthly_amount)s 元（审核确认办法第二十三条）。"
)
MSG_INCOME_ABOVE = _(
    "家庭月人均收入 %(per_capita_income)s 元不低于当地低保标准 %(standard)s 元（《社会救助暂行办法》第九条）。"
)
MSG_STANDARD_NORMALISED = _("年标准 %(yearly)s 元/人·年折算为月标准 %(monthly)s 元/人·月。")
MSG_INCOME_EXCLUDED = _("“%(kind)s”%(amount)s 元/月不计入家庭收入（审核确认办法第十三条）。")
MSG_JOB_COSTS = _("%(member)s 的工资性收入已扣除必要就业成本 %(job_costs)s 元/月（审核确认办法第十三条）。")
MSG_EXPENSE_DEDUCTED = _("刚性支出“%(kind)s”%(amount)s 元/月从家庭收入中扣减（审核确认办法第十三条）。")
MSG_EXPENSE_DEDUCTED_NAMED = _(
    "刚性支出“%(kind)s”（%(members)s）%(amount)s 元/月从家庭收入中扣减（审核确认办法第十三条；%(rule)s）。"
)
MSG_EXPENSE_CAPPED = _("刚性支出“%(kind)s”申报 %(claimed)s 元/月，按%(rule)s每月最多扣减 %(cap)s 元。")
MSG_EXPENSE_NOT_DEDUCTIBLE = _("刚性支出“%(kind)s”%(amount)s 元/月按%(rule)s不予扣减。")
MSG_EXPENSE_NOT_DEDUCTED = _("教育支出 %(amount)s 元/月仅在支出型临时救助中扣减，本次核对不扣减。")
MSG_DEDUCTION_CAPPED = _("刚性支出合计 %(requested)s 元/月超过计入收入 %(income)s 元/月，按收入额扣减至零。")
MSG_INCOME_DISCREPANCY = _(
    "%(member)s 的“%(kind)s”申报 %(declared)s 元/月，%(sources)s 核对为 %(found)s 元/月，按较高数额 %(used)s 元/月计算。"
)
MSG_INCOME_DISCREPANCY_REVIEW = _(
    "核对收入比申报收入合计多 %(excess)s 元/月，超过复核阈值 %(threshold)s 元/月，需人工复核。"
)
MSG_FINANCIAL_WITHIN = _("家庭金融资产 %(total)s 元，人均 %(per_capita)s 元，未超过人均上限 %(limit)s 元（%(rule)s）。")
MSG_FINANCIAL_OVER = _("家庭金融资产 %(total)s 元，人均 %(per_capita)s 元，超过人均上限 %(limit)s 元（%(rule)s）。")
MSG_ASSET_DISCREPANCY = _("“%(kind)s”申报 %(declared)s 元，%(sources)s 核对为 %(found)s 元，按较高数额计算。")
MSG_ASSET_DISCREPANCY_REVIEW = _("核对财产比申报多 %(excess)s 元，超过复核阈值 %(threshold)s 元，需人工复核。")
MSG_VEHICLE_NOT_ALLOWED = _(
    "核对发现机动车：%(vehicles)s。按%(rule)s，家庭拥有机动车（残疾人功能性补偿代步车除外）的不符合条件。"
)
MSG_VEHICLE_OVER_LIMIT = _("机动车价值合计 %(value)s 元，超过%(rule)s规定的上限 %(limit)s 元：%(vehicles)s。")
MSG_DISABILITY_VEHICLE = _("残疾人功能性补偿代步车不计入车辆限制：%(vehicles)s。")
MSG_HOUSING_OVER = _("家庭拥有住房 %(count)s 套，超过%(rule)s规定的 %(limit)s 套：%(items)s。")
MSG_BUSINESS_ENTITY = _("家庭成员登记有市场主体：%(items)s。按%(rule)s，经营市场主体的不符合条件。")
MSG_MEMBER_STATUS = _("户籍核对：%(member)s 的户籍状态为“%(status)s”，需人工复核家庭成员。")
MSG_SOURCE_UNAVAILABLE = _("%(source)s 无法核对且未补充材料，需人工复核。")
MSG_SOURCE_MANUAL = _("%(source)s 系统无法核对，采用经办人 %(entered_by)s 补充的书面材料：%(note)s。")

KIND_LABELS = {
    "wage": _("工资性收入"),
    "business": _("经营净收入"),
    "property": _("财产净收入"),
    "transfer": _("转移净收入"),
    "veteran": _("优抚对象抚恤金、补助金"),
    "family_planning": _("计划生育奖励与扶助金"),
    "scholarship": _("奖学金、助学金"),
    "bravery": _("见义勇为等奖励性补助"),
    "assistance": _("社会救助款物"),
    "local_excluded": _("地方规定不计入的收入"),
    "deposit": _("银行存款"),
    "securities": _("有价证券"),
    "insurance": _("商业保险"),
    "internet_finance": _("网络金融资产"),
    "claim": _("债权"),
    "vehicle": _("机动车辆"),
    "housing": _("房产"),
    "business_entity": _("市场主体"),
    "illness": _("因病医疗支出"),
    "disability": _("因残康复、护理支出"),
    "education": _("教育支出"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


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

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dict: Decimals as strings with two decimals, tuples as lists."""
        return _jsonable(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MeansTestResult:
        money = {f for f, t in cls.__annotations__.items() if t == "Decimal"}
        kwargs = {k: (Decimal(v) if k in money else v) for k, v in data.items() if k in cls.__dataclass_fields__}
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


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value.quantize(FEN)) if value == value.quantize(FEN) else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


# --- pure helpers -------------------------------------------------------------


def money(value) -> Decimal:
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


def _found_by_key(found: Iterable[FoundIncome]) -> dict[tuple[str | None, str], tuple[Decimal, tuple[str, ...]]]:
    """(member_ref, kind) -> (highest per-source total, sources).

    One source may report several records of a kind for a member (two
    employers): they add up. Different sources reporting the same wage
    (tax, social insurance base, housing-fund base) are alternatives: the
    highest counts, never the sum.
    """
    per_source: dict[tuple[str | None, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for f in found:
        per_source[(f.member_ref, f.kind)][f.source] += money(f.monthly_amount)
    out = {}
    for key, by_source in per_source.items():
        best = max(by_source.values())
        out[key] = (best, tuple(sorted(s for s, v in by_source.items() if v > 0)))
    return out


def income_lines(inp: MeansTestInput) -> list[IncomeLine]:
    names = {m.ref: m.name for m in inp.members}
    declared: dict[tuple[str | None, str], Decimal] = defaultdict(lambda: ZERO)
    for d in inp.declared_incomes:
        declared[(d.member_ref, d.kind)] += net_declared(d)
    found = _found_by_key(inp.found_incomes)
    member_keys = sorted(
        set(declared) | {k for k in found if k[0] is not HOUSEHOLD},
        key=lambda k: (list(names).index(k[0]) if k[0] in names else len(names), k[1]),
    )
    lines = []
    used_by_kind: dict[str, Decimal] = defaultdict(lambda: ZERO)
    declared_by_kind: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for key in member_keys:
        member_ref, kind = key
        d = declared.get(key, ZERO)
        f, sources = found.get(key, (ZERO, ()))
        used = max(d, f)
        used_by_kind[kind] += used
        declared_by_kind[kind] += d
        lines.append(
            IncomeLine(
                member_ref=member_ref,
                member_name=names.get(member_ref, str(member_ref)),
                kind=kind,
                counted=kind in COUNTED_INCOME_KINDS,
                declared=d,
                found=f,
                used=used,
                excess=money(f - d),
                sources=sources,
            )
        )
    # Household-level figures (hand-entered documents) are a floor for the
    # household's total of that kind: only what they add above counts.
    for (member_ref, kind), (f, sources) in sorted(found.items(), key=lambda kv: kv[0][1]):
        if member_ref is not HOUSEHOLD:
            continue
        top_up = money(f - used_by_kind[kind])
        lines.append(
            IncomeLine(
                member_ref=None,
                member_name=str(_("全户")),
                kind=kind,
                counted=kind in COUNTED_INCOME_KINDS,
                declared=declared_by_kind[kind],
                found=f,
                used=top_up,
                excess=top_up,
                sources=sources,
            )
        )
    return lines


def asset_lines(inp: MeansTestInput) -> list[AssetLine]:
    kinds = []
    for a in (*inp.declared_assets, *inp.found_assets):
        if a.kind not in kinds:
            kinds.append(a.kind)
    lines = []
    for kind in kinds:
        declared = [a for a in inp.declared_assets if a.kind == kind]
        found = [a for a in inp.found_assets if a.kind == kind]
        d_value = money(sum((Decimal(a.value) for a in declared), ZERO))
        f_value = money(sum((Decimal(a.value) for a in found), ZERO))
        lines.append(
            AssetLine(
                kind=kind,
                declared=d_value,
                found=f_value,
                used=max(d_value, f_value),
                declared_count=sum(a.count for a in declared),
                found_count=sum(a.count for a in found),
                financial=kind in FINANCIAL_ASSET_KINDS,
                sources=tuple(sorted({a.source for a in found if a.source})),
                items=tuple(a.description for a in (found or declared) if a.description),
            )
        )
    return lines


def deductible_kinds(purpose: str, spending_shock: bool, rules: ExpenseRules | None = None) -> tuple[str, ...]:
    """The county rule's kinds, or illness and disability (MSL 13); education always for
    spending-shock temporary assistance (TA18)."""
    kinds = rules.deductible if rules is not None else ALWAYS_DEDUCTIBLE
    if purpose == TEMPORARY_ASSISTANCE and spending_shock:
        return tuple(dict.fromkeys(kinds + SPENDING_SHOCK_DEDUCTIBLE))
    return tuple(kinds)


def _reason(code: str, severity: Severity, message, **numbers) -> Reason:
    shown = {k: (kind_label(v) if k == "kind" else v) for k, v in numbers.items()}
    text = str(message) % {k: (str(v.quantize(FEN)) if isinstance(v, Decimal) else v) for k, v in shown.items()}
    return Reason(code=code, severity=severity.value, message=text, numbers=_jsonable(numbers))


def _source_names(sources: Iterable[str], labels: dict[str, str]) -> str:
    return "、".join(labels.get(s, s) for s in sources) or str(_("核对"))


@dataclass(frozen=True)
class Figures:
    """The numbers of one test, computed once; the reason producers read them."""

    size: int
    names: dict[str | None, str]
    standard: Decimal
    income_lines: tuple[IncomeLine, ...]
    counted: Decimal
    excluded: Decimal
    deduction_lines: tuple[DeductionLine, ...]
    requested_deductions: Decimal
    deductions: Decimal
    net: Decimal
    per_capita: Decimal
    gap: Decimal
    amount: Decimal
    asset_lines: tuple[AssetLine, ...]
    financial: Decimal
    financial_per_capita: Decimal


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


def _deduction_lines(inp: MeansTestInput) -> tuple[DeductionLine, ...]:
    """Rigid expenditure per kind (MSL 13; education only for spending shock, TA18). The
    county rule, when configured, says which kinds count and caps each kind per month."""
    rules = inp.expense_rules
    allowed = deductible_kinds(inp.purpose, inp.spending_shock, rules)
    by_kind: dict[str, Decimal] = defaultdict(lambda: ZERO)
    members_of: dict[str, list[str]] = defaultdict(list)
    for e in inp.expenses:
        if e.kind in allowed:
            by_kind[e.kind] += money(e.monthly_amount)
            if e.member and e.member not in members_of[e.kind]:
                members_of[e.kind].append(e.member)
    lines = []
    for kind, claimed in by_kind.items():
        if claimed <= 0:
            continue
        cap = rules.caps.get(kind) if rules is not None else None
        amount = money(cap) if cap is not None and claimed > money(cap) else claimed
        lines.append(
            DeductionLine(
                kind=kind, kind_label=kind_label(kind), members=tuple(members_of[kind]), claimed=claimed,
                deducted=amount, cap=money(cap) if cap is not None else None,
                rule=rules.label if rules is not None else "",
            )
        )  # fmt: skip
    return tuple(lines)


def figures(inp: MeansTestInput) -> Figures:
    """The numbers of the test: standard (domain.md §3), income (MSL 13), deductions,
    per-capita income, gap and amount (MSL 23), financial assets (SAI 10)."""
    size = len(inp.members)
    standard = monthly_standard(inp.standard)
    lines = tuple(income_lines(inp))
    counted = money(sum((line.used for line in lines if line.counted), ZERO))
    excluded = money(sum((line.used for line in lines if not line.counted), ZERO))
    d_lines = _deduction_lines(inp)
    requested = sum((line.deducted for line in d_lines), ZERO)
    deductions = min(requested, counted)
    net = money(counted - deductions)
    per_capita = money(net / size)
    gap = money(standard - per_capita)
    _band, amount = monthly_amount(gap_per_capita=gap, household_size=size)
    a_lines = tuple(asset_lines(inp))
    financial = money(sum((line.used for line in a_lines if line.financial), ZERO))
    return Figures(
        size=size, names={m.ref: m.name for m in inp.members}, standard=standard, income_lines=lines,
        counted=counted, excluded=excluded, deduction_lines=d_lines, requested_deductions=requested,
        deductions=deductions, net=net, per_capita=per_capita, gap=gap, amount=amount, asset_lines=a_lines,
        financial=financial, financial_per_capita=money(financial / size),
    )  # fmt: skip


# --- reason producers: each says why, from the input and the figures ------------


def _standard_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    if inp.standard.period != "yearly":
        return []
    return [_reason("standard_normalised", Severity.INFO, MSG_STANDARD_NORMALISED,
                    yearly=money(inp.standard.amount), monthly=fig.standard)]  # fmt: skip


def _income_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """Excluded kinds and job costs (MSL 13); registry figures above the declared ones."""
    reasons = []
    excluded_by_kind: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in fig.income_lines:
        if not line.counted:
            excluded_by_kind[line.kind] += line.used
    for kind, amount in excluded_by_kind.items():
        if amount > 0:
            reasons.append(_reason("income_excluded", Severity.INFO, MSG_INCOME_EXCLUDED, kind=kind, amount=amount))
    for d in inp.declared_incomes:
        if d.kind == "wage" and Decimal(d.job_costs or 0) > 0:
            reasons.append(_reason("job_costs_deducted", Severity.INFO, MSG_JOB_COSTS,
                                   member=fig.names.get(d.member_ref, d.member_ref), job_costs=money(d.job_costs)))  # fmt: skip
    excess = ZERO
    for line in fig.income_lines:
        if line.counted and line.excess > 0:
            excess += line.excess
            reasons.append(
                _reason(
                    "income_discrepancy", Severity.INFO, MSG_INCOME_DISCREPANCY, member=line.member_name,
                    kind=line.kind, declared=line.declared, found=line.found, used=line.used,
                    sources=_source_names(line.sources, inp.source_labels),
                )
            )  # fmt: skip
    threshold = money(inp.policy.income_discrepancy_review_threshold)
    if excess > threshold:
        reasons.append(_reason("income_discrepancy_review", Severity.REVIEW, MSG_INCOME_DISCREPANCY_REVIEW,
                               excess=money(excess), threshold=threshold))  # fmt: skip
    return reasons


def _expense_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """Rigid expenditure not deducted, capped or deducted (MSL 13; TA18), and deductions
    that would take income below zero."""
    rules = inp.expense_rules
    allowed = deductible_kinds(inp.purpose, inp.spending_shock, rules)
    reasons = []
    for e in inp.expenses:
        amount = money(e.monthly_amount)
        if e.kind in allowed or amount <= 0:
            continue
        if rules is not None:
            reasons.append(_reason("expense_not_deducted", Severity.INFO, MSG_EXPENSE_NOT_DEDUCTIBLE,
                                   kind=e.kind, amount=amount, rule=rules.label))  # fmt: skip
        else:
            reasons.append(_reason("expense_not_deducted", Severity.INFO, MSG_EXPENSE_NOT_DEDUCTED,
                                   kind=e.kind, amount=amount))  # fmt: skip
    for line in fig.deduction_lines:
        if line.deducted < line.claimed:
            reasons.append(_reason("expense_capped", Severity.INFO, MSG_EXPENSE_CAPPED, kind=line.kind,
                                   claimed=line.claimed, cap=line.deducted, rule=rules.label))  # fmt: skip
        if rules is not None or line.members:
            reasons.append(
                _reason(
                    "expense_deducted", Severity.INFO, MSG_EXPENSE_DEDUCTED_NAMED, kind=line.kind,
                    amount=line.deducted, members="、".join(line.members) or str(_("全家")),
                    rule=rules.label if rules is not None else str(_("国家规定")),
                )
            )  # fmt: skip
        else:
            reasons.append(_reason("expense_deducted", Severity.INFO, MSG_EXPENSE_DEDUCTED, kind=line.kind,
                                   amount=line.deducted))  # fmt: skip
    if fig.requested_deductions > fig.counted:
        reasons.append(_reason("deduction_capped", Severity.INFO, MSG_DEDUCTION_CAPPED,
                               requested=fig.requested_deductions, income=fig.counted))  # fmt: skip
    return reasons


def _income_standard_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """Per-capita income below the standard or not (SAI 9)."""
    if fig.per_capita < fig.standard:
        return [_reason("income_below_standard", Severity.INFO, MSG_INCOME_BELOW, per_capita_income=fig.per_capita,
                        standard=fig.standard, gap_per_capita=fig.gap, household_size=fig.size,
                        monthly_amount=fig.amount, net_income=fig.net)]  # fmt: skip
    return [_reason("income_above_standard", Severity.DISQUALIFYING, MSG_INCOME_ABOVE,
                    per_capita_income=fig.per_capita, standard=fig.standard, household_size=fig.size,
                    net_income=fig.net)]  # fmt: skip


def _financial_asset_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """Financial assets against the configured limit (SAI 10) and registry findings above
    the declared ones."""
    rules = inp.asset_rules
    limit = money(rules.financial_assets_per_capita)
    over = fig.financial_per_capita > limit
    reasons = [
        _reason(
            "financial_assets_over_limit" if over else "financial_assets_within_limit",
            Severity.DISQUALIFYING if over else Severity.INFO, MSG_FINANCIAL_OVER if over else MSG_FINANCIAL_WITHIN,
            total=fig.financial, per_capita=fig.financial_per_capita, limit=limit, rule=rules.label,
        )
    ]  # fmt: skip
    excess = ZERO
    for line in fig.asset_lines:
        if line.financial and line.found > line.declared:
            excess += line.found - line.declared
            reasons.append(_reason("asset_discrepancy", Severity.INFO, MSG_ASSET_DISCREPANCY, kind=line.kind,
                                   declared=line.declared, found=line.found,
                                   sources=_source_names(line.sources, inp.source_labels)))  # fmt: skip
    threshold = money(inp.policy.asset_discrepancy_review_threshold)
    if excess > threshold:
        reasons.append(_reason("asset_discrepancy_review", Severity.REVIEW, MSG_ASSET_DISCREPANCY_REVIEW,
                               excess=money(excess), threshold=threshold))  # fmt: skip
    return reasons


def _identity_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """Identity and completeness: registration status, hand-entered and missing sources."""
    reasons = [
        _reason("member_registration_status", Severity.REVIEW, MSG_MEMBER_STATUS,
                member=fig.names.get(p.member_ref, p.member_ref), status=p.status_label or p.status)
        for p in inp.persons
        if p.status != "normal"
    ]  # fmt: skip
    reasons += [
        _reason("manual_evidence", Severity.INFO, MSG_SOURCE_MANUAL, source=m.source_label, entered_by=m.entered_by,
                note=m.note, source_code=m.source)
        for m in inp.manual_sources
    ]  # fmt: skip
    reasons += [
        _reason("source_unavailable", Severity.REVIEW, MSG_SOURCE_UNAVAILABLE, source=label)
        for label in inp.unavailable_sources
    ]
    return reasons


def outcome_of(reasons: Iterable[Reason]) -> Outcome:
    """Not eligible on any disqualifying reason, else needs review on any review reason."""
    severities = {r.severity for r in reasons}
    if Severity.DISQUALIFYING in severities:
        return Outcome.NOT_ELIGIBLE
    if Severity.REVIEW in severities:
        return Outcome.NEEDS_REVIEW
    return Outcome.ELIGIBLE


# --- the test -----------------------------------------------------------------


def evaluate(inp: MeansTestInput) -> MeansTestResult:
    """Run the means test: the figures, then every producer's reasons in order, then the
    outcome they add up to. Raises ``ValueError`` for a household with no members."""
    if not inp.members:
        raise ValueError("a household has at least one member")
    fig = figures(inp)
    reasons = tuple(reason for produce in REASON_PRODUCERS for reason in produce(inp, fig))
    outcome = outcome_of(reasons)
    return MeansTestResult(
        outcome=outcome.value,
        household_size=fig.size,
        standard=fig.standard,
        counted_income=fig.counted,
        excluded_income=fig.excluded,
        deductions=money(fig.deductions),
        net_income=fig.net,
        per_capita_income=fig.per_capita,
        gap_per_capita=fig.gap,
        monthly_amount=ZERO if outcome == Outcome.NOT_ELIGIBLE else fig.amount,
        financial_assets=fig.financial,
        financial_assets_per_capita=fig.financial_per_capita,
        reasons=reasons,
        income_lines=fig.income_lines,
        asset_lines=fig.asset_lines,
        deduction_lines=fig.deduction_lines,
    )


def _vehicle_reasons(inp: MeansTestInput, fig: Figures | None = None) -> list[Reason]:
    rules = inp.asset_rules
    # Registry records are the authority; declared vehicles count only when
    # the registry reported none (the same car is not counted twice).
    vehicles = [a for a in inp.found_assets if a.kind == "vehicle"] or [
        a for a in inp.declared_assets if a.kind == "vehicle"
    ]
    exempt = [v for v in vehicles if v.disability_vehicle]
    counted = [v for v in vehicles if not v.disability_vehicle and v.count > 0]
    reasons = []
    if exempt:
        reasons.append(
            _reason(
                "disability_vehicle_exempt",
                Severity.INFO,
                MSG_DISABILITY_VEHICLE,
                vehicles="；".join(v.description for v in exempt),
            )
        )
    if not counted:
        return reasons
    described = "；".join(v.description or kind_label("vehicle") for v in counted)
    if not rules.vehicles_allowed:
        reasons.append(
            _reason(
                "vehicle_not_allowed",
                Severity.DISQUALIFYING,
                MSG_VEHICLE_NOT_ALLOWED,
                vehicles=described,
                rule=rules.label,
                count=sum(v.count for v in counted),
            )
        )
    elif rules.vehicle_value_limit is not None:
        value = money(sum((Decimal(v.value) for v in counted), ZERO))
        if value > money(rules.vehicle_value_limit):
            reasons.append(
                _reason(
                    "vehicle_value_over_limit",
                    Severity.DISQUALIFYING,
                    MSG_VEHICLE_OVER_LIMIT,
                    value=value,
                    limit=money(rules.vehicle_value_limit),
                    rule=rules.label,
                    vehicles=described,
                )
            )
    return reasons


def _count_reasons(inp: MeansTestInput, fig: Figures | None = None) -> list[Reason]:
    rules = inp.asset_rules
    reasons = []

    def count_of(kind):
        found = [a for a in inp.found_assets if a.kind == kind]
        declared = [a for a in inp.declared_assets if a.kind == kind]
        n_found, n_declared = sum(a.count for a in found), sum(a.count for a in declared)
        items = found if n_found >= n_declared else declared
        return max(n_found, n_declared), "；".join(a.description for a in items if a.description)

    housing, items = count_of("housing")
    if housing > rules.max_housing_units:
        reasons.append(
            _reason(
                "housing_over_limit",
                Severity.DISQUALIFYING,
                MSG_HOUSING_OVER,
                count=housing,
                limit=rules.max_housing_units,
                rule=rules.label,
                items=items,
            )
        )
    entities, items = count_of("business_entity")
    if entities > 0 and not rules.business_entities_allowed:
        reasons.append(
            _reason(
                "business_entity_not_allowed",
                Severity.DISQUALIFYING,
                MSG_BUSINESS_ENTITY,
                count=entities,
                rule=rules.label,
                items=items,
            )
        )
    return reasons


# The order of the reasons on the result (and on the decision letter).
REASON_PRODUCERS = (
    _standard_reasons,
    _income_reasons,
    _expense_reasons,
    _income_standard_reasons,
    _financial_asset_reasons,
    _vehicle_reasons,
    _count_reasons,
    _identity_reasons,
)

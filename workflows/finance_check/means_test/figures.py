"""The figures of a test: income and asset lines, deductions, per-capita income, gap, amount."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from .amounts import money, monthly_amount, monthly_standard, net_declared
from .data import (
    AssetLine,
    DeductionLine,
    ExpenseRules,
    FoundIncome,
    IncomeLine,
    LowIncomeCriteria,
    MeansTestInput,
    SinglePersonRule,
)
from .vocabulary import (
    ALWAYS_DEDUCTIBLE,
    COUNTED_INCOME_KINDS,
    FINANCIAL_ASSET_KINDS,
    HOUSEHOLD,
    SPENDING_SHOCK_DEDUCTIBLE,
    ZERO,
    kind_label,
)


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
    names: dict[str | None, str] = {m.ref: m.name for m in inp.members}
    declared: dict[tuple[str | None, str], Decimal] = defaultdict(lambda: ZERO)
    for income in inp.declared_incomes:
        declared[(income.member_ref, income.kind)] += net_declared(income)
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
    """The county rule's kinds, or illness and disability (MSL 13); education always for a
    spending shock (TA18). ``spending_shock`` is set only for a programme whose spec allows it
    (temporary assistance; ``finance_check_request`` asks workflows/core/programmes.py)."""
    kinds = rules.deductible if rules is not None else ALWAYS_DEDUCTIBLE
    if spending_shock:
        return tuple(dict.fromkeys(kinds + SPENDING_SHOCK_DEDUCTIBLE))
    return tuple(kinds)


@dataclass(frozen=True)
class SinglePersonFigures:
    """单人户 (domain.md §8): the member asked to be enrolled alone, the county rule, the
    household's per-capita income against the rule's limit, and the member's own figures.

    ``applies`` when the rule is on, the member is disabled or seriously ill, and the
    household's per-capita income is at most ``multiple`` x the standard (``limit``).
    The member's own figures: their counted income (household-level hand-entered figures
    name no member and are not theirs) less their own essential spending (MSL 13)."""

    member_ref: str
    member_name: str
    qualifies: bool
    rule_enabled: bool
    multiple: Decimal
    rule: str
    household_size: int
    household_per_capita: Decimal
    limit: Decimal
    counted: Decimal
    deduction_lines: tuple[DeductionLine, ...]

    @property
    def applies(self) -> bool:
        return self.rule_enabled and self.qualifies and self.household_per_capita <= self.limit


def single_person_figures(
    inp: MeansTestInput, *, standard: Decimal, lines: Iterable[IncomeLine], household_per_capita: Decimal
) -> SinglePersonFigures | None:
    """The single-person figures when a member asked to be enrolled alone, else ``None``.
    Raises ``ValueError`` when the member named is not in the household."""
    ref = inp.single_person_ref
    if ref is None:
        return None
    member = next((m for m in inp.members if m.ref == ref), None)
    if member is None:
        raise ValueError(f"member {ref} asked to be enrolled alone is not in the household")
    rule = inp.single_person_rule or SinglePersonRule()
    multiple = Decimal(rule.income_multiple)
    own = tuple(e for e in inp.expenses if e.member == member.name)
    return SinglePersonFigures(
        member_ref=ref, member_name=member.name, qualifies=member.is_disabled or member.has_serious_illness,
        rule_enabled=rule.enabled, multiple=multiple, rule=rule.label, household_size=len(inp.members),
        household_per_capita=household_per_capita, limit=money(standard * multiple),
        counted=money(sum((line.used for line in lines if line.counted and line.member_ref == ref), ZERO)),
        deduction_lines=_deduction_lines(replace(inp, expenses=own)),
    )  # fmt: skip


@dataclass(frozen=True)
class Figures:
    """The numbers of one test, computed once; the reason producers read them.

    ``size`` and the income figures are those of the unit assessed: the household, or the
    member alone where the single-person rule applies (``single``, domain.md §8)."""

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
    single: SinglePersonFigures | None = None


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


def _per_capita(
    counted: Decimal, d_lines: tuple[DeductionLine, ...], size: int
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(requested deductions, deductions, net income, per-capita income) of a unit of ``size``:
    deductions never take income below zero (MSL 13)."""
    requested = sum((line.deducted for line in d_lines), ZERO)
    deductions = min(requested, counted)
    net = money(counted - deductions)
    return requested, deductions, net, money(net / size)


def figures(inp: MeansTestInput) -> Figures:
    """The numbers of the test: standard (domain.md §3), income (MSL 13), deductions,
    per-capita income, gap and amount (MSL 23), financial assets (SAI 10); where the
    single-person rule applies (domain.md §8), the member's own figures for a unit of 1."""
    size = len(inp.members)
    standard = monthly_standard(inp.standard)
    lines = tuple(income_lines(inp))
    counted = money(sum((line.used for line in lines if line.counted), ZERO))
    excluded = money(sum((line.used for line in lines if not line.counted), ZERO))
    d_lines = _deduction_lines(inp)
    requested, deductions, net, per_capita = _per_capita(counted, d_lines, size)
    single = single_person_figures(inp, standard=standard, lines=lines, household_per_capita=per_capita)
    unit = size
    if single is not None and single.applies:
        unit, counted, d_lines = 1, single.counted, single.deduction_lines
        requested, deductions, net, per_capita = _per_capita(counted, d_lines, unit)
    gap = money(standard - per_capita)
    _band, amount = monthly_amount(gap_per_capita=gap, household_size=unit)
    a_lines = tuple(asset_lines(inp))
    financial = money(sum((line.used for line in a_lines if line.financial), ZERO))
    return Figures(
        size=unit, names={m.ref: m.name for m in inp.members}, standard=standard, income_lines=lines,
        counted=counted, excluded=excluded, deduction_lines=d_lines, requested_deductions=requested,
        deductions=deductions, net=net, per_capita=per_capita, gap=gap, amount=amount, asset_lines=a_lines,
        financial=financial, financial_per_capita=money(financial / size), single=single,
    )  # fmt: skip


MONTHS_OF_SPENDING = 12  # LB24: essential spending "over the last 12 months"


class LowIncomeCategory(StrEnum):
    """The two categories of 低收入家庭认定 (LB24)."""

    NEAR_DIBAO = "near_dibao"  # 低保边缘家庭
    SPENDING_HARDSHIP = "spending_hardship"  # 刚性支出困难家庭


@dataclass(frozen=True)
class LowIncomeFigures:
    """The numbers of the low-income test (LB24; domain.md §8), from the test's figures.

    ``per_capita`` is the per-capita income after the essential spending MSL 13 deducts, as
    the dibao test reads it, so a household is either under the dibao standard or not for
    both programmes. The spending-hardship test compares the year's essential spending (every
    kind declared, uncapped: LB24 counts what the family spends) with the year's counted
    income, and reads the per-capita income before deductions (``gross_per_capita``)."""

    standard: Decimal
    per_capita: Decimal
    multiple: Decimal
    limit: Decimal
    gross_per_capita: Decimal
    yearly_income: Decimal
    yearly_spending: Decimal
    line: Decimal | None
    rule: str

    @property
    def below_standard(self) -> bool:
        return self.per_capita < self.standard

    @property
    def near_dibao(self) -> bool:
        """Not below the standard (SAI 9: dibao is "below") and at most the multiple (LB24)."""
        return self.standard <= self.per_capita <= self.limit

    @property
    def spending_exceeds_income(self) -> bool:
        return self.yearly_spending > self.yearly_income

    @property
    def spending_hardship(self) -> bool:
        return self.line is not None and self.spending_exceeds_income and self.gross_per_capita < self.line

    @property
    def category(self) -> str:
        """The category that applies ("" for none); near-dibao first (the narrower test)."""
        if self.below_standard:
            return ""
        if self.near_dibao:
            return LowIncomeCategory.NEAR_DIBAO
        if self.spending_hardship:
            return LowIncomeCategory.SPENDING_HARDSHIP
        return ""


def low_income_figures(inp: MeansTestInput, fig: Figures) -> LowIncomeFigures | None:
    """The low-income figures when the input asks for the low-income test, else ``None``."""
    criteria: LowIncomeCriteria | None = inp.low_income
    if criteria is None:
        return None
    multiple = Decimal(criteria.income_multiple)
    spending = money(sum((money(e.monthly_amount) for e in inp.expenses), ZERO))
    line = criteria.spending_hardship_income_line
    return LowIncomeFigures(
        standard=fig.standard, per_capita=fig.per_capita, multiple=multiple, limit=money(fig.standard * multiple),
        gross_per_capita=money(fig.counted / fig.size), yearly_income=money(fig.counted * MONTHS_OF_SPENDING),
        yearly_spending=money(spending * MONTHS_OF_SPENDING), line=money(line) if line is not None else None,
        rule=criteria.label,
    )  # fmt: skip

"""The reason producers, the outcome they add up to, and ``evaluate`` (the test)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any, TypeAlias

from django.utils.translation import gettext_lazy as _

from workflows.core.types import StrOrPromise

from .amounts import money
from .data import MeansTestInput, MeansTestResult, Reason, _jsonable
from .figures import Figures, LowIncomeFigures, deductible_kinds, figures, low_income_figures
from .vocabulary import (
    FEN,
    LOW_INCOME_CATEGORY_LABELS,
    LOW_INCOME_NO_RULE,
    MSG_ASSET_DISCREPANCY,
    MSG_ASSET_DISCREPANCY_REVIEW,
    MSG_BUSINESS_ENTITY,
    MSG_DEDUCTION_CAPPED,
    MSG_DISABILITY_VEHICLE,
    MSG_EXPENSE_CAPPED,
    MSG_EXPENSE_DEDUCTED,
    MSG_EXPENSE_DEDUCTED_NAMED,
    MSG_EXPENSE_NOT_DEDUCTED,
    MSG_EXPENSE_NOT_DEDUCTIBLE,
    MSG_FINANCIAL_OVER,
    MSG_FINANCIAL_WITHIN,
    MSG_HOUSING_OVER,
    MSG_INCOME_ABOVE,
    MSG_INCOME_BELOW,
    MSG_INCOME_DISCREPANCY,
    MSG_INCOME_DISCREPANCY_HOUSEHOLD,
    MSG_INCOME_DISCREPANCY_REVIEW,
    MSG_INCOME_EXCLUDED,
    MSG_JOB_COSTS,
    MSG_LOW_INCOME_ABOVE_LINE,
    MSG_LOW_INCOME_ABOVE_MULTIPLE,
    MSG_LOW_INCOME_NEAR_DIBAO,
    MSG_LOW_INCOME_NO_LINE,
    MSG_LOW_INCOME_QUALIFIES_FOR_DIBAO,
    MSG_LOW_INCOME_SPENDING_HARDSHIP,
    MSG_LOW_INCOME_SPENDING_NOT_ABOVE,
    MSG_MEMBER_STATUS,
    MSG_SINGLE_PERSON_APPLIED,
    MSG_SINGLE_PERSON_INCOME_ABOVE,
    MSG_SINGLE_PERSON_NOT_QUALIFIED,
    MSG_SINGLE_PERSON_RULE_OFF,
    MSG_SOURCE_MANUAL,
    MSG_SOURCE_UNAVAILABLE,
    MSG_STANDARD_NORMALISED,
    MSG_VEHICLE_NOT_ALLOWED,
    MSG_VEHICLE_OVER_LIMIT,
    SINGLE_PERSON_NO_RULE,
    ZERO,
    Outcome,
    Severity,
    kind_label,
)


def _reason(code: str, severity: Severity, message: StrOrPromise, **numbers: Any) -> Reason:
    shown = {k: (kind_label(v) if k == "kind" else v) for k, v in numbers.items()}
    text = str(message) % {k: (str(v.quantize(FEN)) if isinstance(v, Decimal) else v) for k, v in shown.items()}
    return Reason(code=code, severity=severity.value, message=text, numbers=_jsonable(numbers))


def _source_names(sources: Iterable[str], labels: dict[str, str]) -> str:
    return "、".join(labels.get(s, s) for s in sources) or str(_("核对"))


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
            message = MSG_INCOME_DISCREPANCY if line.member_ref is not None else MSG_INCOME_DISCREPANCY_HOUSEHOLD
            reasons.append(
                _reason(
                    "income_discrepancy", Severity.INFO, message, member=line.member_name,
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
        # only a county cap lowers a deduction below the claim (no rules: deducted == claimed)
        if rules is not None and line.deducted < line.claimed:
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


def _single_person_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """单人户 (domain.md §8): whether the member asked to be enrolled alone may be. The rule
    must be on in the county, the member disabled or seriously ill, and the household's
    per-capita income at most the rule's multiple of the standard; otherwise the request
    is refused with the reason (the first that fails)."""
    single = fig.single
    if single is None:
        return []
    numbers = {"member": single.member_name, "rule": single.rule or str(SINGLE_PERSON_NO_RULE),
               "household_size": single.household_size}  # fmt: skip
    if not single.rule_enabled:
        return [_reason("single_person_rule_off", Severity.DISQUALIFYING, MSG_SINGLE_PERSON_RULE_OFF, **numbers)]
    if not single.qualifies:
        return [_reason("single_person_not_qualified", Severity.DISQUALIFYING, MSG_SINGLE_PERSON_NOT_QUALIFIED,
                        **numbers)]  # fmt: skip
    numbers |= {"household_per_capita": single.household_per_capita, "standard": fig.standard,
                "multiple": single.multiple, "limit": single.limit}  # fmt: skip
    if not single.applies:
        return [_reason("single_person_income_above", Severity.DISQUALIFYING, MSG_SINGLE_PERSON_INCOME_ABOVE,
                        **numbers)]  # fmt: skip
    return [_reason("single_person_applied", Severity.INFO, MSG_SINGLE_PERSON_APPLIED, **numbers)]


def _single_person_summary(fig: Figures) -> dict:
    """What the result stores of a single-person request (domain.md §8), for the proposal."""
    single = fig.single
    if single is None:
        return {}
    return _jsonable({"member_ref": single.member_ref, "member_name": single.member_name,
                      "applied": single.applies, "rule": single.rule, "multiple": single.multiple,
                      "limit": single.limit, "household_size": single.household_size,
                      "household_per_capita": single.household_per_capita})  # fmt: skip


def _income_standard_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """Per-capita income below the standard or not (SAI 9)."""
    if fig.per_capita < fig.standard:
        return [_reason("income_below_standard", Severity.INFO, MSG_INCOME_BELOW, per_capita_income=fig.per_capita,
                        standard=fig.standard, gap_per_capita=fig.gap, household_size=fig.size,
                        monthly_amount=fig.amount, net_income=fig.net)]  # fmt: skip
    return [_reason("income_above_standard", Severity.DISQUALIFYING, MSG_INCOME_ABOVE,
                    per_capita_income=fig.per_capita, standard=fig.standard, household_size=fig.size,
                    net_income=fig.net)]  # fmt: skip


# --- 低收入家庭认定 (LB24, LI23; domain.md §8) ---------------------------------------


def _low_income_numbers(li: LowIncomeFigures) -> dict:
    return {"per_capita_income": li.per_capita, "standard": li.standard, "multiple": li.multiple, "limit": li.limit,
            "gross_per_capita": li.gross_per_capita, "yearly_income": li.yearly_income,
            "yearly_spending": li.yearly_spending, "line": li.line, "rule": li.rule or str(LOW_INCOME_NO_RULE)}  # fmt: skip


def _low_income_dibao_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """A household under the dibao standard is a dibao household, not a low-income one (LB24:
    低保边缘家庭 are above the standard): refused, telling staff to file for dibao instead."""
    li = low_income_figures(inp, fig)
    if li is None or not li.below_standard:
        return []
    return [_reason("low_income_qualifies_for_dibao", Severity.DISQUALIFYING, MSG_LOW_INCOME_QUALIFIES_FOR_DIBAO,
                    **_low_income_numbers(li))]  # fmt: skip


def _low_income_near_dibao_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """低保边缘家庭 (LB24): not below the standard and at most the county's multiple of it."""
    li = low_income_figures(inp, fig)
    if li is None or li.below_standard:
        return []
    if not li.near_dibao:
        return []  # above the multiple: the spending test below says so
    return [_reason("low_income_near_dibao", Severity.INFO, MSG_LOW_INCOME_NEAR_DIBAO, **_low_income_numbers(li))]


def _low_income_spending_reasons(inp: MeansTestInput, fig: Figures) -> list[Reason]:
    """刚性支出困难家庭 (LB24), asked only when the household is above the near-dibao limit:
    the year's essential spending above its income and per-capita income below the county's
    line. When it fails too, every unmet condition is disqualifying (no category applies)."""
    li = low_income_figures(inp, fig)
    if li is None or li.below_standard or li.near_dibao:
        return []
    numbers = _low_income_numbers(li)
    if li.spending_hardship:
        return [_reason("low_income_above_multiple", Severity.INFO, MSG_LOW_INCOME_ABOVE_MULTIPLE, **numbers),
                _reason("low_income_spending_hardship", Severity.INFO, MSG_LOW_INCOME_SPENDING_HARDSHIP, **numbers)]  # fmt: skip
    reasons = [_reason("low_income_above_multiple", Severity.DISQUALIFYING, MSG_LOW_INCOME_ABOVE_MULTIPLE, **numbers)]
    if li.line is None:
        reasons.append(_reason("low_income_no_line", Severity.DISQUALIFYING, MSG_LOW_INCOME_NO_LINE, **numbers))
        return reasons
    if not li.spending_exceeds_income:
        reasons.append(_reason("low_income_spending_not_above", Severity.DISQUALIFYING,
                               MSG_LOW_INCOME_SPENDING_NOT_ABOVE, **numbers))  # fmt: skip
    if li.gross_per_capita >= li.line:
        reasons.append(_reason("low_income_above_line", Severity.DISQUALIFYING, MSG_LOW_INCOME_ABOVE_LINE, **numbers))
    return reasons


def _low_income_summary(inp: MeansTestInput, fig: Figures) -> dict:
    """What the result stores of the low-income test: the category that applied ("" for
    none), its label, and the figures the decision and the letter cite."""
    li = low_income_figures(inp, fig)
    if li is None:
        return {}
    category = li.category
    return _jsonable({"category": category, "category_label": str(LOW_INCOME_CATEGORY_LABELS.get(category, "")),
                      **_low_income_numbers(li)})  # fmt: skip


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
    producers = REASON_PRODUCERS
    if inp.low_income is not None:
        # LB24: the low-income categories, with the county's low-income asset limits
        producers = LOW_INCOME_REASON_PRODUCERS
        inp = replace(inp, asset_rules=inp.low_income.asset_rules or inp.asset_rules)
    fig = figures(inp)
    reasons = tuple(reason for produce in producers for reason in produce(inp, fig))
    outcome = outcome_of(reasons)
    recognition = inp.low_income is not None  # a recognition computes no amount
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
        monthly_amount=ZERO if outcome == Outcome.NOT_ELIGIBLE or recognition else fig.amount,
        financial_assets=fig.financial,
        financial_assets_per_capita=fig.financial_per_capita,
        reasons=reasons,
        income_lines=fig.income_lines,
        asset_lines=fig.asset_lines,
        deduction_lines=fig.deduction_lines,
        single_person=_single_person_summary(fig),
        low_income=_low_income_summary(inp, fig),
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

    def count_of(kind: str) -> tuple[int, str]:
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


#: One producer: the reasons one rule gives for the input and its figures.
ReasonProducer: TypeAlias = Callable[[MeansTestInput, Figures], list[Reason]]

# The order of the reasons on the result (and on the decision letter).
REASON_PRODUCERS: tuple[ReasonProducer, ...] = (
    _standard_reasons,
    _income_reasons,
    _expense_reasons,
    _single_person_reasons,
    _income_standard_reasons,
    _financial_asset_reasons,
    _vehicle_reasons,
    _count_reasons,
    _identity_reasons,
)


# 低收入家庭认定 (LB24): the dibao test with the two categories in place of "below the
# standard" (a household under it is refused as a dibao household); no single-person rule.
LOW_INCOME_REASON_PRODUCERS: tuple[ReasonProducer, ...] = (
    _standard_reasons,
    _income_reasons,
    _expense_reasons,
    _low_income_dibao_reasons,
    _low_income_near_dibao_reasons,
    _low_income_spending_reasons,
    _financial_asset_reasons,
    _vehicle_reasons,
    _count_reasons,
    _identity_reasons,
)

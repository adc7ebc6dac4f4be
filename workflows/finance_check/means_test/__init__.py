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
- Single-person household (单人户, domain.md §8): a disabled or seriously ill member
  named in ``single_person_ref`` is assessed alone (a unit of 1, their own income and
  essential spending) when the county rule (``SinglePersonRule``) is on and the
  household's per-capita income is at most its multiple of the standard; otherwise the
  request is refused with the reason (``_single_person_reasons``).
- Low-income families (低收入家庭认定, LB24; domain.md §8): with ``inp.low_income`` set the
  test folds ``LOW_INCOME_REASON_PRODUCERS``: 低保边缘家庭 (per-capita income not below the
  standard, at most the county's multiple, default 1.5) or 刚性支出困难家庭 (the year's
  essential spending above the year's income, per-capita income below the county's line),
  assets within the low-income limits; a household under the standard is refused as a dibao
  household; no amount (``result.low_income`` names the category).

The package re-exports every name of its modules (``means_test.X`` works wherever ``X`` lives).
"""

from .amounts import Band, band_for, banded_amount, money, monthly_amount, monthly_standard, net_declared
from .data import (
    Asset,
    AssetLine,
    AssetRules,
    DeclaredIncome,
    DeductionLine,
    Expense,
    ExpenseRules,
    FoundIncome,
    IncomeLine,
    LowIncomeCriteria,
    ManualSource,
    MeansTestInput,
    MeansTestResult,
    Member,
    PersonStatus,
    Policy,
    Reason,
    SinglePersonRule,
    Standard,
    _jsonable,
)
from .figures import (
    MONTHS_OF_SPENDING,
    Figures,
    LowIncomeCategory,
    LowIncomeFigures,
    SinglePersonFigures,
    _deduction_lines,
    _found_by_key,
    asset_lines,
    deductible_kinds,
    figures,
    income_lines,
    low_income_figures,
    single_person_figures,
)
from .reasons import (
    LOW_INCOME_REASON_PRODUCERS,
    REASON_PRODUCERS,
    _count_reasons,
    _expense_reasons,
    _financial_asset_reasons,
    _identity_reasons,
    _income_reasons,
    _income_standard_reasons,
    _reason,
    _single_person_reasons,
    _source_names,
    _standard_reasons,
    _vehicle_reasons,
    evaluate,
    outcome_of,
)
from .vocabulary import (
    ALWAYS_DEDUCTIBLE,
    COUNTED_INCOME_KINDS,
    EXCLUDED_INCOME_KINDS,
    FEN,
    FINANCIAL_ASSET_KINDS,
    HOUSEHOLD,
    KIND_LABELS,
    LOW_INCOME_CATEGORY_LABELS,
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
    REASON_LABELS,
    SPENDING_SHOCK_DEDUCTIBLE,
    ZERO,
    Outcome,
    Severity,
    kind_label,
)

__all__ = [
    "ALWAYS_DEDUCTIBLE",
    "COUNTED_INCOME_KINDS",
    "EXCLUDED_INCOME_KINDS",
    "FEN",
    "FINANCIAL_ASSET_KINDS",
    "HOUSEHOLD",
    "KIND_LABELS",
    "LOW_INCOME_CATEGORY_LABELS",
    "LOW_INCOME_REASON_PRODUCERS",
    "MONTHS_OF_SPENDING",
    "MSG_ASSET_DISCREPANCY",
    "MSG_ASSET_DISCREPANCY_REVIEW",
    "MSG_BUSINESS_ENTITY",
    "MSG_DEDUCTION_CAPPED",
    "MSG_DISABILITY_VEHICLE",
    "MSG_EXPENSE_CAPPED",
    "MSG_EXPENSE_DEDUCTED",
    "MSG_EXPENSE_DEDUCTED_NAMED",
    "MSG_EXPENSE_NOT_DEDUCTED",
    "MSG_EXPENSE_NOT_DEDUCTIBLE",
    "MSG_FINANCIAL_OVER",
    "MSG_FINANCIAL_WITHIN",
    "MSG_HOUSING_OVER",
    "MSG_INCOME_ABOVE",
    "MSG_INCOME_BELOW",
    "MSG_INCOME_DISCREPANCY",
    "MSG_INCOME_DISCREPANCY_HOUSEHOLD",
    "MSG_INCOME_DISCREPANCY_REVIEW",
    "MSG_INCOME_EXCLUDED",
    "MSG_JOB_COSTS",
    "MSG_MEMBER_STATUS",
    "MSG_SINGLE_PERSON_APPLIED",
    "MSG_SINGLE_PERSON_INCOME_ABOVE",
    "MSG_SINGLE_PERSON_NOT_QUALIFIED",
    "MSG_SINGLE_PERSON_RULE_OFF",
    "MSG_SOURCE_MANUAL",
    "MSG_SOURCE_UNAVAILABLE",
    "MSG_STANDARD_NORMALISED",
    "MSG_VEHICLE_NOT_ALLOWED",
    "MSG_VEHICLE_OVER_LIMIT",
    "REASON_LABELS",
    "REASON_PRODUCERS",
    "SPENDING_SHOCK_DEDUCTIBLE",
    "ZERO",
    "Asset",
    "AssetLine",
    "AssetRules",
    "Band",
    "DeclaredIncome",
    "DeductionLine",
    "Expense",
    "ExpenseRules",
    "Figures",
    "FoundIncome",
    "IncomeLine",
    "LowIncomeCategory",
    "LowIncomeCriteria",
    "LowIncomeFigures",
    "ManualSource",
    "MeansTestInput",
    "MeansTestResult",
    "Member",
    "Outcome",
    "PersonStatus",
    "Policy",
    "Reason",
    "Severity",
    "SinglePersonFigures",
    "SinglePersonRule",
    "Standard",
    "_count_reasons",
    "_deduction_lines",
    "_expense_reasons",
    "_financial_asset_reasons",
    "_found_by_key",
    "_identity_reasons",
    "_income_reasons",
    "_income_standard_reasons",
    "_jsonable",
    "_reason",
    "_single_person_reasons",
    "_source_names",
    "_standard_reasons",
    "_vehicle_reasons",
    "asset_lines",
    "band_for",
    "banded_amount",
    "deductible_kinds",
    "evaluate",
    "figures",
    "income_lines",
    "kind_label",
    "low_income_figures",
    "money",
    "monthly_amount",
    "monthly_standard",
    "net_declared",
    "outcome_of",
    "single_person_figures",
]

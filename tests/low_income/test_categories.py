"""The two categories of 低收入家庭认定 as pure means-test rules (LB24; domain.md §8):
低保边缘家庭 (above the dibao standard, at most the county's multiple, assets within the
low-income limits) and 刚性支出困难家庭 (the year's essential spending above the year's income,
per-capita income below the county's line). A household under the standard is a dibao
household. The result names the category and computes no amount (LI23: recognition only)."""

from __future__ import annotations

from decimal import Decimal

from workflows.finance_check import means_test as mt

D = Decimal

LIMITS = mt.AssetRules(financial_assets_per_capita=D("20000"), label="低收入财产限额")
CRITERIA = mt.LowIncomeCriteria(
    income_multiple=D("1.50"), asset_rules=LIMITS, spending_hardship_income_line=D("2500"), label="示范县低收入规则"
)


def run(wage: str, *, expenses=(), deposits="0", criteria=CRITERIA, size=2) -> mt.MeansTestResult:
    """A household of ``size`` whose first member earns ``wage`` a month; standard 400/month."""
    members = tuple(mt.Member(str(i), f"成员{i}") for i in range(1, size + 1))
    return mt.evaluate(
        mt.MeansTestInput(
            members=members, standard=mt.Standard(D("400"), "monthly"),
            asset_rules=mt.AssetRules(financial_assets_per_capita=D("5000"), label="低保财产限额"),
            declared_incomes=(mt.DeclaredIncome("1", "wage", D(wage)),),
            declared_assets=(mt.Asset("deposit", D(deposits)),),
            expenses=tuple(mt.Expense(kind, D(amount)) for kind, amount in expenses), low_income=criteria,
        )
    )  # fmt: skip


def codes(result, severity=None):
    return [r.code for r in result.reasons if severity is None or r.severity == severity]


# --- 低保边缘家庭 -----------------------------------------------------------------------
def test_near_dibao_between_the_standard_and_the_multiple():
    """LB24: 500 per person is above the standard 400 and under 1.5x (600): 低保边缘家庭,
    eligible, no amount."""
    result = run("1000")
    assert result.outcome == "eligible"
    assert result.low_income["category"] == "near_dibao"
    assert result.low_income["category_label"] == "低保边缘家庭"
    assert result.monthly_amount == D("0.00")
    assert "low_income_near_dibao" in codes(result)


def test_near_dibao_at_exactly_the_multiple_is_recognised():
    """LB24, boundary: at exactly 1.5x the standard (600.00 per person) the household is
    still 低保边缘家庭 ("at most" the multiple)."""
    result = run("1200")
    assert result.per_capita_income == D("600.00")
    assert result.outcome == "eligible" and result.low_income["category"] == "near_dibao"


def test_one_fen_above_the_multiple_is_not_near_dibao():
    """LB24, boundary: 600.01 per person is above 1.5x; with no spending hardship, refused."""
    result = run("1200.02")
    assert result.per_capita_income == D("600.01")
    assert result.outcome == "not_eligible" and result.low_income["category"] == ""
    assert "low_income_above_multiple" in codes(result, "disqualifying")


def test_the_county_multiple_is_configurable():
    """LB24 leaves the multiple to local government: with 2.0x, 700 per person qualifies."""
    wider = mt.LowIncomeCriteria(income_multiple=D("2.00"), asset_rules=LIMITS, label="2 倍")
    assert run("1400", criteria=wider).low_income["category"] == "near_dibao"
    assert run("1400").low_income["category"] == ""


def test_at_exactly_the_standard_is_near_dibao_not_dibao():
    """SAI 9: dibao is for income *below* the standard; at exactly 400 the household is not
    a dibao household, so LB24's near-dibao category takes it."""
    result = run("800")
    assert result.outcome == "eligible" and result.low_income["category"] == "near_dibao"


def test_under_the_standard_is_refused_as_a_dibao_household():
    """LB24: a household under the dibao standard is not a low-income family: refused with a
    reason telling staff to file for dibao instead."""
    result = run("600")
    assert result.outcome == "not_eligible"
    assert codes(result, "disqualifying") == ["low_income_qualifies_for_dibao"]
    message = result.reasons[[r.code for r in result.reasons].index("low_income_qualifies_for_dibao")].message
    assert "300.00" in message and "400.00" in message and "申请最低生活保障" in message


def test_assets_over_the_low_income_limit_disqualify():
    """LB24: assets within the low-income limits (the county's, not dibao's): 30,000 per person
    is over 20,000; 8,000 per person (over dibao's 5,000) is within."""
    over = run("1000", deposits="60000")
    assert over.outcome == "not_eligible"
    assert "financial_assets_over_limit" in codes(over, "disqualifying")
    within = run("1000", deposits="16000")
    assert within.outcome == "eligible"


# --- 刚性支出困难家庭 -------------------------------------------------------------------
def test_spending_hardship_when_spending_exceeds_income_under_the_line():
    """LB24: 4,000 a month of income (2,000 per person, under the line 2,500) and 5,000 a
    month of essential spending (education, not deducted for dibao): over 12 months 60,000 >
    48,000 -> 刚性支出困难家庭."""
    result = run("4000", expenses=[("education", "5000")])
    assert result.outcome == "eligible"
    assert result.low_income["category"] == "spending_hardship"
    assert result.low_income["yearly_spending"] == "60000.00"
    assert result.low_income["yearly_income"] == "48000.00"
    assert "low_income_spending_hardship" in codes(result)


def test_spending_not_above_income_is_not_hardship():
    """LB24: spending 3,000 a month does not exceed income 4,000: not 刚性支出困难家庭."""
    result = run("4000", expenses=[("education", "3000")])
    assert result.outcome == "not_eligible"
    assert "low_income_spending_not_above" in codes(result, "disqualifying")


def test_income_at_the_line_is_not_hardship():
    """LB24: per-capita income must be below the county's line: 2,500 per person is not."""
    result = run("5000", expenses=[("education", "6000")])
    assert result.outcome == "not_eligible"
    assert "low_income_above_line" in codes(result, "disqualifying")


def test_no_line_configured_no_hardship_category():
    """The line is the county's: where none is configured the category is not recognised."""
    criteria = mt.LowIncomeCriteria(asset_rules=LIMITS, label="无收入上限")
    result = run("4000", expenses=[("education", "5000")], criteria=criteria)
    assert result.outcome == "not_eligible"
    assert "low_income_no_line" in codes(result, "disqualifying")


def test_without_the_low_income_criteria_the_dibao_test_runs():
    """The low-income producers run only for a programme whose spec asks for them: the dibao
    test refuses 500 per person as above the standard (SAI 9)."""
    result = run("1000", criteria=None)
    assert result.outcome == "not_eligible" and result.low_income == {}
    assert "income_above_standard" in codes(result)


def test_the_result_round_trips_with_its_category():
    """The stored result (JSON) keeps the category for the proposal and the letter."""
    result = run("1000")
    again = mt.MeansTestResult.from_json(result.to_json())
    assert again.low_income["category"] == "near_dibao"

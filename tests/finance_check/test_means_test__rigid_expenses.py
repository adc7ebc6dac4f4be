"""The county's essential-spending rule in the means test (MSL 13): deductible kinds,
monthly caps per kind, each deduction named with its member and rule; bands (MSL 23)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflows.core.models.rules import RigidExpenseRule
from workflows.finance_check import means_test as mt
from workflows.finance_check.services import expense_rules

from .test_means_test__rules import family_250

D = Decimal
RULE = "示范县刚性支出扣减规则（2025-01-01 起执行）"


def reasons(result, code):
    return [r for r in result.reasons if r.code == code]


def test_acceptance_arithmetic_urban_760_household_of_3():
    """MSL 13 (issue 15): (760 − (1200 − 150) / 3) × 3 = 1,230.00, the deduction named."""
    members = (mt.Member("1", "周大明", 51), mt.Member("2", "吴小芳", 49), mt.Member("3", "周小宝", 10))
    inp = mt.MeansTestInput(
        members=members,
        standard=mt.Standard(D("760.00"), "monthly"),
        asset_rules=mt.AssetRules(financial_assets_per_capita=D("14400.00")),
        declared_incomes=(mt.DeclaredIncome("1", "wage", D("1200.00")),),
        expenses=(mt.Expense("disability", D("150.00"), "吴小芳"),),
        expense_rules=mt.ExpenseRules(label=RULE),
    )
    result = mt.evaluate(inp)
    assert result.monthly_amount == D("1230.00")
    (line,) = result.deduction_lines
    assert (line.kind, line.members, line.deducted) == ("disability", ("吴小芳",), D("150.00"))
    (reason,) = reasons(result, "expense_deducted")
    assert "吴小芳" in reason.message and "因残康复、护理支出" in reason.message and RULE in reason.message


def test_county_cap_limits_a_kind_and_says_so():
    """MSL 13: a county cap of 100/month on medical costs deducts 100 of 150 claimed."""
    rules = mt.ExpenseRules(caps={"illness": D("100.00")}, label=RULE)
    result = mt.evaluate(family_250(expenses=(mt.Expense("illness", D("150.00"), "张建国"),), expense_rules=rules))
    assert result.deductions == D("100.00")
    assert result.deduction_lines[0].claimed == D("150.00") and result.deduction_lines[0].cap == D("100.00")
    assert reasons(result, "expense_capped")


def test_cap_is_per_kind_household_total():
    """Two members' medical costs are capped together; disability is uncapped."""
    rules = mt.ExpenseRules(caps={"illness": D("100.00")}, label=RULE)
    expenses = (
        mt.Expense("illness", D("80.00"), "张建国"),
        mt.Expense("illness", D("80.00"), "李秀英"),
        mt.Expense("disability", D("50.00"), "李秀英"),
    )
    result = mt.evaluate(family_250(expenses=expenses, expense_rules=rules))
    assert result.deductions == D("150.00")
    illness = next(line for line in result.deduction_lines if line.kind == "illness")
    assert illness.members == ("张建国", "李秀英")


def test_kind_the_county_does_not_deduct_is_not_deducted():
    """MSL 13: a county that deducts only illness leaves disability spending in income."""
    rules = mt.ExpenseRules(deductible=("illness",), label=RULE)
    result = mt.evaluate(family_250(expenses=(mt.Expense("disability", D("60.00"), "李秀英"),), expense_rules=rules))
    assert result.deductions == D("0.00")
    (reason,) = reasons(result, "expense_not_deducted")
    assert RULE in reason.message


def test_county_may_deduct_education_for_dibao():
    """The county rule may allow education for dibao; without it only TA18 spending shock does."""
    education = (mt.Expense("education", D("300.00"), "张小军"),)
    allowed = mt.ExpenseRules(deductible=("illness", "disability", "education"), label=RULE)
    assert mt.evaluate(family_250(expenses=education, expense_rules=allowed)).deductions == D("300.00")
    assert mt.evaluate(family_250(expenses=education, expense_rules=mt.ExpenseRules())).deductions == D("0.00")


def test_deduction_lines_survive_the_json_round_trip():
    """The stored result keeps each named deduction (the proposal reads it back)."""
    rules = mt.ExpenseRules(caps={"illness": D("100.00")}, label=RULE)
    result = mt.evaluate(family_250(expenses=(mt.Expense("illness", D("150.00"), "张建国"),), expense_rules=rules))
    assert mt.MeansTestResult.from_json(result.to_json()) == result


def test_deduction_can_move_the_household_into_a_higher_band():
    """MSL 23 bands: the band is chosen on the gap after the deduction (MSL 13), so the
    deduction can raise the band, never only the gap."""
    bands = (mt.Band(D("0"), D("100"), D("80.00")), mt.Band(D("100"), None, D("160.00")))
    without = mt.evaluate(family_250())
    with_care = mt.evaluate(family_250(expenses=(mt.Expense("disability", D("210.00"), "李秀英"),)))
    assert without.gap_per_capita == D("150.00") and with_care.gap_per_capita == D("220.00")
    # a standard of 330 puts the household without care in the first band, with care in the second
    gap_without = D("330.00") - without.per_capita_income
    gap_with = D("330.00") - with_care.per_capita_income
    assert mt.banded_amount(bands, gap_without, 3)[1] == D("240.00")
    assert mt.banded_amount(bands, gap_with, 3)[1] == D("480.00")


@pytest.mark.django_db
def test_rule_in_force_is_read_by_county_and_date(region):
    """The finance check reads the county rule version in force on the check date; a
    county with none falls back to the national default (None)."""
    import datetime

    from tests import factories

    later = RigidExpenseRule.objects.create(
        county=region.county, effective_from=datetime.date(2030, 1, 1), disability_deductible=False,
        illness_monthly_cap=D("500.00"),
    )  # fmt: skip
    now = expense_rules(region.county, datetime.date(2026, 6, 1))
    assert now.deductible == ("illness", "disability") and now.caps == {}
    future = expense_rules(region.county, datetime.date(2030, 2, 1))
    assert future.deductible == ("illness",) and future.caps == {"illness": D("500.00")}
    assert str(later.effective_from) in future.label
    other = factories.CountyFactory(code="990199", name="邻县")
    assert expense_rules(other, datetime.date(2026, 6, 1)) is None

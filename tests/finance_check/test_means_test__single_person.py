"""单人户 in the means test (domain.md §8, "Single-person household"): a severely disabled or
seriously ill member of a low-income family may, on application, be enrolled in dibao
alone; the county switches the rule on and sets the income multiple that defines
"low-income". Pure functions, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflows.finance_check import means_test as mt

D = Decimal
RULE = "示范县单人户规则（2025-01-01 起执行）"
ON = mt.SinglePersonRule(enabled=True, income_multiple=D("1.50"), label=RULE)


def family(*, applicant_income="2400.00", disabled=True, ill=False, rule=ON, ref="2", **kw) -> mt.MeansTestInput:
    """Urban standard 760: the applicant earns ``applicant_income``, the spouse (member 2,
    disabled) has 100 a month of transfer income, a child has none."""
    members = (
        mt.Member("1", "周大明", 51),
        mt.Member("2", "吴小芳", 49, is_disabled=disabled, has_serious_illness=ill),
        mt.Member("3", "周小宝", 10),
    )
    return mt.MeansTestInput(
        members=members,
        standard=mt.Standard(D("760.00"), "monthly"),
        asset_rules=mt.AssetRules(financial_assets_per_capita=D("14400.00"), label="示范县家庭财产限额"),
        declared_incomes=(
            mt.DeclaredIncome("1", "wage", D(applicant_income)),
            mt.DeclaredIncome("2", "transfer", D("100.00")),
        ),
        single_person_ref=ref,
        single_person_rule=rule,
        **kw,
    )


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def reason(result, code) -> mt.Reason:
    (found,) = [r for r in result.reasons if r.code == code]
    return found


def test_eligible_member_is_enrolled_alone_with_the_amount_for_one():
    """domain.md §8: household per-capita 833.33 (2,500 / 3) is above the standard 760 but
    within 1.5 × 760 = 1,140; the disabled spouse is enrolled alone: (760 − 100) × 1 = 660."""
    result = mt.evaluate(family())
    assert result.outcome == mt.Outcome.ELIGIBLE
    assert (result.household_size, result.per_capita_income, result.monthly_amount) == (1, D("100.00"), D("660.00"))
    assert (result.counted_income, result.net_income, result.gap_per_capita) == (D("100.00"), D("100.00"), D("660.00"))
    assert "income_above_standard" not in codes(result)
    assert reason(result, "income_below_standard").numbers["household_size"] == 1


def test_computation_text_names_the_rule_and_the_multiple():
    """domain.md §8: the reason says which rule applied and with which multiple, and the
    stored summary carries the rule, the multiple and the household's figures."""
    result = mt.evaluate(family())
    applied = reason(result, "single_person_applied")
    assert applied.severity == mt.Severity.INFO
    assert RULE in applied.message and "1.50 倍" in applied.message and "1140.00" in applied.message
    assert "吴小芳" in applied.message and "833.33" in applied.message and "3 人" in applied.message
    assert result.single_person == {
        "member_ref": "2", "member_name": "吴小芳", "applied": True, "rule": RULE, "multiple": "1.50",
        "limit": "1140.00", "household_size": 3, "household_per_capita": "833.33",
    }  # fmt: skip
    assert mt.MeansTestResult.from_json(result.to_json()).single_person == result.single_person


def test_rule_off_refuses_with_a_clear_reason():
    """domain.md §8: the county's rule switched off: the request is refused (not eligible)
    with a reason that names the rule and tells the family it may apply as a household."""
    off = mt.SinglePersonRule(enabled=False, income_multiple=D("1.50"), label=RULE)
    result = mt.evaluate(family(rule=off))
    assert result.outcome == mt.Outcome.NOT_ELIGIBLE and result.monthly_amount == D("0.00")
    refused = reason(result, "single_person_rule_off")
    assert refused.severity == mt.Severity.DISQUALIFYING
    assert "未实行单人户政策" in refused.message and RULE in refused.message and "全家 3 人" in refused.message
    assert result.household_size == 3 and result.single_person["applied"] is False


def test_no_rule_configured_is_the_rule_off():
    """domain.md §8 ("default off"): a county with no single-person rule enrols nobody alone."""
    result = mt.evaluate(family(rule=None))
    refused = reason(result, "single_person_rule_off")
    assert "未配置单人户规则" in refused.message
    assert result.outcome == mt.Outcome.NOT_ELIGIBLE


def test_household_income_above_the_multiple_refuses():
    """domain.md §8: per-capita 1,166.67 (3,500 / 3) is above 1.5 × 760 = 1,140: refused."""
    result = mt.evaluate(family(applicant_income="3400.00"))
    refused = reason(result, "single_person_income_above")
    assert refused.severity == mt.Severity.DISQUALIFYING
    assert "1166.67" in refused.message and "1140.00" in refused.message and RULE in refused.message
    assert result.outcome == mt.Outcome.NOT_ELIGIBLE and result.monthly_amount == D("0.00")


def test_household_income_exactly_at_the_multiple_is_within():
    """domain.md §8 ("within" the multiple): per-capita exactly 1,140.00 still qualifies."""
    result = mt.evaluate(family(applicant_income="3320.00"))  # (3320 + 100) / 3 = 1140.00
    assert result.single_person["household_per_capita"] == "1140.00"
    assert "single_person_applied" in codes(result) and result.outcome == mt.Outcome.ELIGIBLE
    # one fen above is outside
    assert "single_person_income_above" in codes(mt.evaluate(family(applicant_income="3320.03")))


def test_a_member_neither_disabled_nor_ill_is_refused():
    """domain.md §8: only severely disabled or seriously ill members may be enrolled alone."""
    result = mt.evaluate(family(disabled=False))
    refused = reason(result, "single_person_not_qualified")
    assert refused.severity == mt.Severity.DISQUALIFYING and "吴小芳" in refused.message
    assert result.outcome == mt.Outcome.NOT_ELIGIBLE


def test_a_seriously_ill_member_qualifies():
    """domain.md §8: a seriously ill (not disabled) member qualifies like a disabled one."""
    assert "single_person_applied" in codes(mt.evaluate(family(disabled=False, ill=True)))


def test_member_alone_above_the_standard_is_not_eligible():
    """SAI 9 applies to the member alone: own income 800 is not below 760."""
    inp = family(applicant_income="1000.00")
    inp = mt.MeansTestInput(**{**inp.__dict__, "declared_incomes": (
        mt.DeclaredIncome("1", "wage", D("1000.00")), mt.DeclaredIncome("2", "transfer", D("800.00")))})  # fmt: skip
    result = mt.evaluate(inp)
    assert "single_person_applied" in codes(result)
    assert reason(result, "income_above_standard").numbers["household_size"] == 1
    assert result.outcome == mt.Outcome.NOT_ELIGIBLE


def test_only_the_members_own_spending_is_deducted():
    """MSL 13 for a unit of one: the member's own essential spending is deducted from
    their own income; another member's spending is not."""
    expenses = (mt.Expense("disability", D("60.00"), "吴小芳"), mt.Expense("illness", D("500.00"), "周大明"))
    result = mt.evaluate(family(expenses=expenses))
    assert result.deductions == D("60.00") and result.net_income == D("40.00")
    assert result.monthly_amount == D("720.00")
    (line,) = result.deduction_lines
    assert line.members == ("吴小芳",)
    # the household test used every member's spending: (2500 − 560) / 3 = 646.67
    assert result.single_person["household_per_capita"] == "646.67"


def test_members_own_spending_never_takes_income_below_zero():
    """MSL 13: deductions above the member's own income stop at zero."""
    result = mt.evaluate(family(expenses=(mt.Expense("disability", D("300.00"), "吴小芳"),)))
    assert (result.deductions, result.net_income, result.monthly_amount) == (D("100.00"), D("0.00"), D("760.00"))
    assert "deduction_capped" in codes(result)


def test_financial_assets_stay_per_capita_of_the_household():
    """SAI 10: the household's financial assets are shared by all its members."""
    result = mt.evaluate(family(declared_assets=(mt.Asset("deposit", D("3000.00")),)))
    assert result.financial_assets_per_capita == D("1000.00")


def test_household_level_found_income_is_not_the_members():
    """A hand-entered household-level figure names no member and is not the member's own."""
    found = (mt.FoundIncome(None, "wage", D("2600.00"), "manual"),)
    result = mt.evaluate(family(found_incomes=found))
    assert result.counted_income == D("100.00")


def test_no_request_changes_nothing():
    """Without a request the household is assessed as a whole and nothing is stored."""
    result = mt.evaluate(family(ref=None))
    assert result.single_person == {} and result.household_size == 3
    assert not [c for c in codes(result) if c.startswith("single_person")]
    assert mt.figures(family(ref=None)).single is None


def test_a_member_outside_the_household_is_an_error():
    """The request names a member of this household; anything else is a programming error."""
    with pytest.raises(ValueError, match="not in the household"):
        mt.evaluate(family(ref="9"))


def test_single_person_reason_comes_before_the_income_reason():
    """The decision letter reads the single-person decision first, then the income test."""
    found = codes(mt.evaluate(family()))
    assert found.index("single_person_applied") < found.index("income_below_standard")

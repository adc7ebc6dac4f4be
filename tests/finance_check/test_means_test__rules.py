"""The means test as pure functions (MSL 13, MSL 23, SAI 9-10, TA18): no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.finance_check import means_test as mt

D = Decimal
RURAL_4800 = mt.Standard(amount=D("4800.00"), period="yearly", label="示范县农村低保标准")
URBAN_600 = mt.Standard(amount=D("600.00"), period="monthly", label="示范县城市低保标准")
NO_CARS = mt.AssetRules(
    financial_assets_per_capita=D("14400.00"), vehicles_allowed=False, label="示范县家庭财产限额（2025-01-01 起执行）"
)
FAMILY = (mt.Member("1", "张建国", 56), mt.Member("2", "李秀英", 54), mt.Member("3", "张小军", 12))


def family_250(**overrides) -> mt.MeansTestInput:
    """A household of 3 declaring 250 yuan per person per month (750 in wages)."""
    fields = {
        "members": FAMILY,
        "standard": RURAL_4800,
        "asset_rules": NO_CARS,
        "declared_incomes": (mt.DeclaredIncome("1", "wage", D("500.00")), mt.DeclaredIncome("2", "wage", D("250.00"))),
    }
    fields.update(overrides)
    return mt.MeansTestInput(**fields)


def codes(result, severity=None):
    return [r.code for r in result.reasons if severity is None or r.severity == severity]


def test_acceptance_household_of_3_at_250_is_eligible_with_gap_150():
    """SAI 9 / MSL 23: 250 per person against a rural standard of 4,800 a year (400 a month):
    eligible, gap 150 per person per month, 450 a month for the household."""
    result = mt.evaluate(family_250())
    assert result.outcome == "eligible"
    assert result.standard == D("400.00")
    assert result.per_capita_income == D("250.00")
    assert result.gap_per_capita == D("150.00")
    assert result.household_size == 3
    assert result.monthly_amount == D("450.00")
    assert codes(result, "disqualifying") == [] and codes(result, "review") == []
    below = next(r for r in result.reasons if r.code == "income_below_standard")
    assert below.numbers == {
        "per_capita_income": "250.00",
        "standard": "400.00",
        "gap_per_capita": "150.00",
        "household_size": 3,
        "monthly_amount": "450.00",
        "net_income": "750.00",
    }
    assert "250.00" in below.message and "400.00" in below.message and "第九条" in below.message


def test_acceptance_a_registered_car_makes_the_household_not_eligible_naming_car_and_rule():
    """SAI 10: a vehicle found by the registry under a no-vehicle rule -> not eligible; the
    reason names the vehicle and the configured rule."""
    car = mt.Asset(
        kind="vehicle", value=D("62000.00"), source="vehicles", description="示A·3K721 比亚迪 秦", member_ref="1"
    )
    result = mt.evaluate(family_250(found_assets=(car,)))
    assert result.outcome == "not_eligible"
    assert result.monthly_amount == D("0.00")
    reason = next(r for r in result.reasons if r.code == "vehicle_not_allowed")
    assert reason.severity == "disqualifying"
    assert "示A·3K721 比亚迪 秦" in reason.message
    assert NO_CARS.label in reason.message
    assert reason.numbers["rule"] == NO_CARS.label and reason.numbers["count"] == 1


def test_disability_vehicle_does_not_count():
    """A disabled member's mobility vehicle is not a vehicle for the limit (configured rule's exception)."""
    scooter = mt.Asset(
        kind="vehicle", value=D("3000"), source="vehicles", description="残疾人代步车", disability_vehicle=True
    )
    result = mt.evaluate(family_250(found_assets=(scooter,)))
    assert result.outcome == "eligible"
    assert "disability_vehicle_exempt" in codes(result)


def test_vehicle_value_limit_when_vehicles_are_allowed():
    rules = mt.AssetRules(
        financial_assets_per_capita=D("14400"), vehicles_allowed=True, vehicle_value_limit=D("30000"), label="R"
    )
    cheap = mt.Asset(kind="vehicle", value=D("20000"), source="vehicles", description="旧货车")
    dear = mt.Asset(kind="vehicle", value=D("62000"), source="vehicles", description="轿车")
    assert mt.evaluate(family_250(asset_rules=rules, found_assets=(cheap,))).outcome == "eligible"
    result = mt.evaluate(family_250(asset_rules=rules, found_assets=(dear,)))
    assert result.outcome == "not_eligible" and "vehicle_value_over_limit" in codes(result)


def test_yearly_standard_is_normalised_to_monthly():
    """domain.md §3: rural 4,800 a year = 400 a month; urban 600 a month stays 600."""
    assert mt.monthly_standard(RURAL_4800) == D("400.00")
    assert mt.monthly_standard(URBAN_600) == D("600.00")
    assert mt.monthly_standard(mt.Standard(D("5000.00"), "yearly")) == D("416.67")  # half-up to the fen


@pytest.mark.parametrize("kind", mt.EXCLUDED_INCOME_KINDS)
def test_excluded_income_kinds_are_not_counted(kind):
    """MSL 13: veterans' benefits, family-planning awards, scholarships, bravery awards,
    assistance payments and locally excluded items are not household income."""
    base = family_250()
    more = family_250(declared_incomes=(*base.declared_incomes, mt.DeclaredIncome("3", kind, D("900.00"))))
    result = mt.evaluate(more)
    assert result.per_capita_income == D("250.00")
    assert result.excluded_income == D("900.00")
    assert result.outcome == "eligible"
    assert "income_excluded" in codes(result)


def test_wages_are_counted_net_of_job_costs():
    """MSL 13: wages net of necessary job costs."""
    inp = family_250(declared_incomes=(mt.DeclaredIncome("1", "wage", D("1050.00"), job_costs=D("300.00")),))
    result = mt.evaluate(inp)
    assert result.counted_income == D("750.00")
    assert "job_costs_deducted" in codes(result)


def test_rigid_expenses_illness_and_disability_are_deducted():
    """MSL 13: essential spending caused by illness or disability is deducted."""
    inp = family_250(expenses=(mt.Expense("illness", D("150.00")), mt.Expense("disability", D("60.00"))))
    result = mt.evaluate(inp)
    assert result.deductions == D("210.00")
    assert result.per_capita_income == D("180.00")
    assert result.gap_per_capita == D("220.00")


def test_education_is_deducted_only_for_spending_shock_temporary_assistance():
    """TA18: education spending counts only for spending-shock temporary assistance."""
    education = (mt.Expense("education", D("300.00")),)
    dibao = mt.evaluate(family_250(expenses=education))
    assert dibao.deductions == D("0.00")
    assert "expense_not_deducted" in codes(dibao)
    ta = mt.evaluate(family_250(expenses=education, purpose="temporary_assistance", spending_shock=True))
    assert ta.deductions == D("300.00")
    assert ta.per_capita_income == D("150.00")
    emergency = mt.evaluate(family_250(expenses=education, purpose="temporary_assistance", spending_shock=False))
    assert emergency.deductions == D("0.00")


def test_deductions_never_take_income_below_zero():
    inp = family_250(expenses=(mt.Expense("illness", D("5000.00")),))
    result = mt.evaluate(inp)
    assert result.deductions == D("750.00")
    assert result.net_income == D("0.00") and result.per_capita_income == D("0.00")
    assert result.gap_per_capita == D("400.00") and result.monthly_amount == D("1200.00")
    assert "deduction_capped" in codes(result)


def test_income_at_the_standard_is_not_eligible():
    """SAI 9: income must be *below* the standard."""
    inp = family_250(declared_incomes=(mt.DeclaredIncome("1", "wage", D("1200.00")),))
    result = mt.evaluate(inp)
    assert result.per_capita_income == D("400.00")
    assert result.outcome == "not_eligible"
    assert codes(result, "disqualifying") == ["income_above_standard"]


def test_found_income_higher_than_declared_uses_the_higher_figure_and_reports_it():
    """Declared 500, tax registry 560 for the same member: 560 counts; a 60 excess is under
    the 100 threshold, so the discrepancy is reported but the result stays eligible."""
    found = (mt.FoundIncome("1", "wage", D("560.00"), "tax", "2025 年度工资薪金"),)
    result = mt.evaluate(family_250(found_incomes=found, source_labels={"tax": "税务"}))
    assert result.counted_income == D("810.00")
    assert result.per_capita_income == D("270.00")
    assert result.outcome == "eligible"
    reason = next(r for r in result.reasons if r.code == "income_discrepancy")
    assert reason.numbers["declared"] == "500.00" and reason.numbers["found"] == "560.00"
    assert "税务" in reason.message


def test_discrepancy_above_threshold_needs_review():
    found = (mt.FoundIncome("2", "wage", D("400.00"), "tax"),)  # declared 250: +150 > 100
    result = mt.evaluate(family_250(found_incomes=found))
    assert result.outcome == "needs_review"
    assert codes(result, "review") == ["income_discrepancy_review"]
    assert result.monthly_amount == D("300.00")  # provisional: (400 - 900 / 3) x 3


def test_same_wage_from_several_sources_is_not_added_up():
    """Tax and the social-insurance base both report one wage: the highest counts, not the sum."""
    found = (
        mt.FoundIncome("1", "wage", D("520.00"), "tax"),
        mt.FoundIncome("1", "wage", D("510.00"), "social_insurance"),
    )
    result = mt.evaluate(family_250(found_incomes=found))
    assert result.counted_income == D("770.00")


def test_household_level_hand_entered_income_is_a_floor():
    """A document giving the household's wage total counts only above what members already have."""
    inp = family_250(found_incomes=(mt.FoundIncome(None, "wage", D("800.00"), "tax"),))
    result = mt.evaluate(inp)
    assert result.counted_income == D("800.00")
    inp = family_250(found_incomes=(mt.FoundIncome(None, "wage", D("600.00"), "tax"),))
    assert mt.evaluate(inp).counted_income == D("750.00")


def test_financial_assets_over_the_per_capita_limit():
    """SAI 10: deposits etc. per capita above the configured limit -> not eligible."""
    deposit = mt.Asset(kind="deposit", value=D("50000.00"), source="bank_deposits", description="信用社")
    result = mt.evaluate(family_250(found_assets=(deposit,), declared_assets=(mt.Asset("deposit", D("50000.00")),)))
    assert result.financial_assets_per_capita == D("16666.67")
    assert result.outcome == "not_eligible"
    assert "financial_assets_over_limit" in codes(result)


def test_undeclared_deposit_above_threshold_needs_review():
    deposit = mt.Asset(kind="deposit", value=D("9000.00"), source="bank_deposits")
    result = mt.evaluate(family_250(found_assets=(deposit,)))
    assert result.outcome == "needs_review"
    assert "asset_discrepancy_review" in codes(result)


def test_housing_and_business_entities_limits():
    houses = tuple(
        mt.Asset(kind="housing", value=D("100000"), source="real_estate", description=f"房{i}") for i in (1, 2)
    )
    result = mt.evaluate(family_250(found_assets=houses))
    assert "housing_over_limit" in codes(result, "disqualifying")
    shop = mt.Asset(kind="business_entity", value=D("10000"), source="market_entity", description="某某小卖部")
    result = mt.evaluate(family_250(found_assets=(shop,)))
    assert result.outcome == "not_eligible" and "business_entity_not_allowed" in codes(result)
    assert "某某小卖部" in next(r.message for r in result.reasons if r.code == "business_entity_not_allowed")


def test_member_status_and_unavailable_sources_need_review():
    result = mt.evaluate(family_250(persons=(mt.PersonStatus("3", "deceased", "已死亡"),)))
    assert result.outcome == "needs_review"
    assert "张小军" in next(r.message for r in result.reasons if r.code == "member_registration_status")
    result = mt.evaluate(family_250(unavailable_sources=("车辆、船舶",)))
    assert result.outcome == "needs_review" and "source_unavailable" in codes(result)


def test_result_round_trips_through_json():
    car = mt.Asset(kind="vehicle", value=D("62000.00"), source="vehicles", description="示A·3K721")
    result = mt.evaluate(family_250(found_assets=(car,), found_incomes=(mt.FoundIncome("1", "wage", D("600"), "tax"),)))
    data = result.to_json()
    import json

    assert json.loads(json.dumps(data)) == data  # plain JSON
    assert data["per_capita_income"] == "283.33" and isinstance(data["reasons"][0]["numbers"], dict)
    assert mt.MeansTestResult.from_json(data) == result


def test_empty_household_is_refused():
    with pytest.raises(ValueError):
        mt.evaluate(family_250(members=()))


# --- properties ---------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
income_kinds = st.sampled_from(mt.COUNTED_INCOME_KINDS + mt.EXCLUDED_INCOME_KINDS)


@st.composite
def inputs(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    members = tuple(mt.Member(str(i), f"m{i}", 30) for i in range(n))
    refs = st.sampled_from([m.ref for m in members])
    declared = draw(st.lists(st.builds(mt.DeclaredIncome, refs, income_kinds, money, money), max_size=6).map(tuple))
    found = draw(
        st.lists(
            st.builds(
                mt.FoundIncome,
                st.one_of(st.none(), refs),
                income_kinds,
                money,
                st.sampled_from(["tax", "social_insurance"]),
            ),
            max_size=4,
        ).map(tuple)
    )
    expenses = draw(
        st.lists(st.builds(mt.Expense, st.sampled_from(["illness", "disability", "education"]), money), max_size=3).map(
            tuple
        )
    )
    assets = draw(
        st.lists(
            st.builds(
                mt.Asset,
                st.sampled_from(["deposit", "vehicle", "housing", "securities"]),
                money,
                st.just("bank_deposits"),
            ),
            max_size=3,
        ).map(tuple)
    )
    standard = mt.Standard(
        draw(st.decimals(min_value=1, max_value=20000, places=2)), draw(st.sampled_from(["monthly", "yearly"]))
    )
    return mt.MeansTestInput(
        members=members,
        standard=standard,
        asset_rules=NO_CARS,
        declared_incomes=declared,
        found_incomes=found,
        expenses=expenses,
        found_assets=assets,
        purpose=draw(st.sampled_from(["dibao", "tekun", "temporary_assistance"])),
        spending_shock=draw(st.booleans()),
    )


MONEY_FIELDS = [
    "standard", "counted_income", "excluded_income", "deductions", "net_income", "per_capita_income",
    "gap_per_capita", "monthly_amount", "financial_assets", "financial_assets_per_capita",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(inputs())
def test_money_is_never_negative_and_amount_is_gap_times_size(inp):
    result = mt.evaluate(inp)
    for name in MONEY_FIELDS:
        value = getattr(result, name)
        assert value >= 0, name
        assert value == value.quantize(D("0.01")), name
    assert result.deductions <= result.counted_income
    if result.outcome == "not_eligible":
        assert result.monthly_amount == 0
    else:
        assert result.per_capita_income < result.standard
        assert result.monthly_amount == result.gap_per_capita * result.household_size


@settings(max_examples=200, deadline=None)
@given(inputs(), st.lists(st.tuples(st.sampled_from(mt.EXCLUDED_INCOME_KINDS), money), min_size=1, max_size=4))
def test_excluded_income_never_changes_the_outcome_or_amount(inp, extra):
    """MSL 13: adding excluded income changes nothing but the excluded total."""
    more = mt.MeansTestInput(
        **{
            **inp.__dict__,
            "declared_incomes": (*inp.declared_incomes, *(mt.DeclaredIncome("0", k, a) for k, a in extra)),
        }
    )
    before, after = mt.evaluate(inp), mt.evaluate(more)
    assert after.outcome == before.outcome
    assert after.per_capita_income == before.per_capita_income
    assert after.monthly_amount == before.monthly_amount


@settings(max_examples=100, deadline=None)
@given(inputs(), money)
def test_more_counted_income_never_raises_the_amount(inp, extra):
    more = mt.MeansTestInput(
        **{**inp.__dict__, "declared_incomes": (*inp.declared_incomes, mt.DeclaredIncome("0", "wage", extra))}
    )
    assert mt.evaluate(more).gap_per_capita <= mt.evaluate(inp).gap_per_capita


# --- bands (分档, MSL 23) ----------------------------------------------------------
BANDS = (
    mt.Band(gap_over=D("0.00"), gap_up_to=D("100.00"), amount_per_person=D("150.00")),
    mt.Band(gap_over=D("100.00"), gap_up_to=D("250.00"), amount_per_person=D("300.00")),
    mt.Band(gap_over=D("250.00"), gap_up_to=None, amount_per_person=D("400.00")),
)


@pytest.mark.parametrize(
    ("gap", "band_index", "amount"),
    [
        (D("0.01"), 0, D("450.00")),  # the smallest positive gap: first band
        (D("100.00"), 0, D("450.00")),  # an upper edge belongs to its own band (inclusive)
        (D("100.01"), 1, D("900.00")),  # one fen above: the next band
        (D("250.00"), 1, D("900.00")),
        (D("250.01"), 2, D("1200.00")),  # the open-ended last band
        (D("99999.00"), 2, D("1200.00")),
    ],
)
def test_band_edges_upper_bound_inclusive_lower_exclusive(gap, band_index, amount):
    """MSL 23 (分档): a per-capita gap above a band's lower bound up to and including its upper
    bound gets that band's amount per person; the household of 3 gets 3 times it."""
    band, total = mt.banded_amount(BANDS, gap, 3)
    assert band == BANDS[band_index]
    assert total == amount


@pytest.mark.parametrize("gap", [D("0.00"), D("-50.00")])
def test_no_band_and_no_amount_without_a_positive_gap(gap):
    """SAI 9 / MSL 23: income not below the standard (gap 0 or less) falls in no band: amount 0."""
    assert mt.band_for(BANDS, gap) is None
    assert mt.banded_amount(BANDS, gap, 3) == (None, D("0.00"))


def test_a_gap_no_band_holds_is_an_error_not_a_guess():
    """A band table with a hole (refused by the configuration's validation) never silently
    yields an amount: the lookup raises instead of picking a neighbour."""
    holed = (BANDS[0], BANDS[2])
    with pytest.raises(ValueError):
        mt.band_for(holed, D("200.00"))


def test_band_interval_text():
    """The band is shown to the approver as a half-open interval."""
    assert BANDS[1].interval == "(100.00, 250.00]"
    assert BANDS[2].interval == "(250.00, +∞)"


@pytest.mark.parametrize(
    ("gap", "bands", "amount"),
    [
        (D("150.00"), (), D("450.00")),  # gap method: 150 x 3
        (D("0.00"), (), D("0.00")),
        (D("-20.00"), (), D("0.00")),  # income above the standard: nothing, never negative
        (D("150.00"), BANDS, D("900.00")),  # bands: the second band's 300 x 3
        (D("-20.00"), BANDS, D("0.00")),
    ],
)
def test_monthly_amount_is_one_rule_for_gap_and_bands(gap, bands, amount):
    """MSL 23: the household's monthly amount is the gap x size, or where the county
    configures bands the band's amount per person x size; zero without a positive gap.
    The means test's provisional amount and the township's proposal both use it."""
    assert mt.monthly_amount(gap_per_capita=gap, household_size=3, bands=bands)[1] == amount

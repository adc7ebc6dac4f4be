"""Tests that kill mutants which survived ``make mutation`` on the means test (issue 15
item 10): each states a behaviour the earlier tests left open (docs/testing.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflows.finance_check import means_test as mt

from .test_means_test__rules import family_250

D = Decimal


def test_several_registry_sources_are_named_together():
    """MSL 13: a discrepancy found by two registries names both, joined by 、; a found figure
    with no named source is attributed to the check (核对)."""
    assert mt._source_names(["tax", "social_insurance"], {"tax": "税务", "social_insurance": "社保"}) == "税务、社保"
    assert mt._source_names([], {}) == "核对"
    assert mt._source_names(["x"], {}) == "x"


def test_band_configuration_error_says_how_many_bands_match():
    """MSL 23: a band table that holds a gap twice (or not at all) is a configuration error
    that says how many bands matched."""
    overlapping = (mt.Band(D("0"), D("100"), D("50")), mt.Band(D("50"), None, D("80")))
    with pytest.raises(ValueError, match="2 bands hold a per-capita gap of 60"):
        mt.band_for(overlapping, D("60"))
    with pytest.raises(ValueError, match="0 bands hold"):
        mt.band_for((mt.Band(D("0"), D("10"), D("5")),), D("60"))


def test_a_result_stored_before_the_lines_existed_still_reads():
    """Results stored by an older version have no reasons, lines or single-person part:
    they read back with empty ones, not an error."""
    stored = mt.evaluate(family_250()).to_json()
    for key in ("reasons", "income_lines", "asset_lines", "deduction_lines", "single_person"):
        stored.pop(key)
    result = mt.MeansTestResult.from_json(stored)
    assert (result.reasons, result.income_lines, result.asset_lines, result.deduction_lines) == ((), (), (), ())
    assert result.single_person == {} and result.monthly_amount == D("450.00")


def test_deduction_lines_round_trip_with_and_without_a_cap():
    """A deduction with no county cap reads back with no cap; a capped one with its cap."""
    rules = mt.ExpenseRules(caps={"illness": D("100.00")}, label="县规则")
    expenses = (mt.Expense("illness", D("150.00"), "张建国"), mt.Expense("disability", D("40.00"), "李秀英"))
    result = mt.evaluate(family_250(expenses=expenses, expense_rules=rules))
    back = mt.MeansTestResult.from_json(result.to_json())
    assert back.deduction_lines == result.deduction_lines
    caps = {line.kind: line.cap for line in back.deduction_lines}
    assert caps == {"illness": D("100.00"), "disability": None}


def test_reason_numbers_are_shown_to_the_fen_and_only_kinds_are_relabelled():
    """A reason's money shows two decimals whatever it was entered as; only the ``kind``
    number is turned into its label, other words stay as given."""
    reason = mt._reason("x", mt.Severity.INFO, "%(kind)s %(amount)s %(member)s %(n)s",
                        kind="illness", amount=D("5"), member="illness", n=3)  # fmt: skip
    assert reason.message == "因病医疗支出 5.00 illness 3"
    assert reason.numbers == {"kind": "illness", "amount": "5.00", "member": "illness", "n": 3}


def test_an_unknown_kind_is_shown_as_recorded():
    """A kind the vocabulary does not know (a new registry's code) is shown as recorded,
    never as "None"."""
    assert mt.kind_label("new_registry_kind") == "new_registry_kind"
    assert mt.kind_label("wage") == "工资性收入"


def test_results_keep_their_reasons_by_severity():
    """``reasons_of`` picks the reasons of one severity, in order."""
    result = mt.evaluate(family_250(declared_assets=(mt.Asset("deposit", D("900000.00")),)))
    assert [r.code for r in result.reasons_of(mt.Severity.DISQUALIFYING)] == ["financial_assets_over_limit"]
    assert all(r.severity == "info" for r in result.reasons_of(mt.Severity.INFO))


def test_a_yearly_standard_says_it_was_normalised_and_a_monthly_one_does_not():
    """domain.md §3: the computation says that 4,800 a year became 400.00 a month; a
    monthly standard needs no such line."""
    result = mt.evaluate(family_250())
    (reason,) = [r for r in result.reasons if r.code == "standard_normalised"]
    assert reason.message == "年标准 4800.00 元/人·年折算为月标准 400.00 元/人·月。"
    assert reason.severity == mt.Severity.INFO and reason.numbers == {"yearly": "4800.00", "monthly": "400.00"}
    monthly = mt.evaluate(family_250(standard=mt.Standard(D("400.00"), "monthly")))
    assert "standard_normalised" not in [r.code for r in monthly.reasons]
    assert monthly.monthly_amount == result.monthly_amount


# --- the computation as the decision letter and the auditor view show it, reason by reason -----

FAMILY = (mt.Member("1", "张建国", 56), mt.Member("2", "李秀英", 54), mt.Member("3", "张小军", 12))
LIMITS = mt.AssetRules(financial_assets_per_capita=D("14400.00"), label="示范县家庭财产限额")
MONTHLY_400 = mt.Standard(D("400.00"), "monthly")


def shown(result, *codes):
    """(code, severity, message) of the reasons, in order (only ``codes`` when given)."""
    return [(r.code, r.severity, r.message) for r in result.reasons if not codes or r.code in codes]


def test_income_reasons_name_the_member_the_kind_and_every_registry():
    """MSL 13, domain.md §3: the computation says which income is not counted, whose job
    costs were deducted, and for a registry figure above the declared one, the member, the
    kind, both figures, the figure used and the registries (highest source counts; a
    registry reporting nothing is not named)."""
    inp = mt.MeansTestInput(
        members=FAMILY, standard=mt.Standard(D("4800"), "yearly"), asset_rules=LIMITS,
        declared_incomes=(mt.DeclaredIncome("1", "wage", D("1050"), D("300")), mt.DeclaredIncome("2", "wage", D("250")),
                          mt.DeclaredIncome("3", "scholarship", D("200"))),
        found_incomes=(mt.FoundIncome("2", "wage", D("300"), "tax"), mt.FoundIncome("2", "wage", D("320"), "social_insurance"),
                       mt.FoundIncome("1", "wage", D("0"), "tax")),
        source_labels={"tax": "税务", "social_insurance": "社保"},
    )  # fmt: skip
    result = mt.evaluate(inp)
    assert shown(result)[:5] == [
        ("standard_normalised", "info", "年标准 4800.00 元/人·年折算为月标准 400.00 元/人·月。"),
        ("income_excluded", "info", "“奖学金、助学金”200.00 元/月不计入家庭收入（审核确认办法第十三条）。"),
        ("job_costs_deducted", "info", "张建国 的工资性收入已扣除必要就业成本 300.00 元/月（审核确认办法第十三条）。"),
        ("income_discrepancy", "info",
         "李秀英 的“工资性收入”申报 250.00 元/月，社保、税务 核对为 320.00 元/月，按较高数额 320.00 元/月计算。"),
        ("income_below_standard", "info",
         "家庭月人均收入 356.67 元低于当地低保标准 400.00 元（《社会救助暂行办法》第九条），差额 43.33 元/人·月，3 人，"
         "月保障金额 129.99 元（审核确认办法第二十三条）。"),
    ]  # fmt: skip
    assert result.reasons[3].numbers == {"member": "李秀英", "kind": "wage", "declared": "250.00", "found": "320.00",
                                         "used": "320.00", "sources": "社保、税务"}  # fmt: skip
    assert result.reasons[2].numbers == {"member": "张建国", "job_costs": "300.00"}
    assert result.income_lines == (
        mt.IncomeLine("1", "张建国", "wage", True, D("750.00"), D("0.00"), D("750.00"), D("0.00"), ()),
        mt.IncomeLine("2", "李秀英", "wage", True, D("250.00"), D("320.00"), D("320.00"), D("70.00"),
                      ("social_insurance", "tax")),
        mt.IncomeLine("3", "张小军", "scholarship", False, D("200.00"), D("0.00"), D("200.00"), D("0.00"), ()),
    )  # fmt: skip
    assert (result.counted_income, result.excluded_income, result.net_income) == (
        D("1070.00"),
        D("200.00"),
        D("1070.00"),
    )
    assert result.outcome == "eligible"


@pytest.mark.parametrize(("threshold", "outcome"), [(D("70.00"), "eligible"), (D("69.99"), "needs_review")])
def test_income_discrepancy_review_only_above_the_threshold(threshold, outcome):
    """MSL 13: registry income 70.00 above the declared one needs a person's review only when
    it is *more than* the county's threshold, and the review reason gives both figures."""
    found = (mt.FoundIncome("2", "wage", D("320"), "tax"),)
    result = mt.evaluate(
        family_250(found_incomes=found, policy=mt.Policy(income_discrepancy_review_threshold=threshold))
    )
    assert result.outcome == outcome
    review = shown(result, "income_discrepancy_review")
    if outcome == "needs_review":
        assert review == [("income_discrepancy_review", "review",
                           "核对收入比申报收入合计多 70.00 元/月，超过复核阈值 69.99 元/月，需人工复核。")]  # fmt: skip
    else:
        assert review == []


def test_a_household_figure_adds_only_what_the_members_lack():
    """A hand-entered household total (no member named) is a floor: the line shows the
    members' declared total, the document's figure, and only the top-up above what the
    members' lines already use, counted as a discrepancy; an excluded kind's floor is not
    counted income."""
    found = (mt.FoundIncome(None, "wage", D("1000"), "manual"), mt.FoundIncome(None, "veteran", D("50"), "manual"),
             mt.FoundIncome("2", "wage", D("300"), "tax"))  # fmt: skip
    result = mt.evaluate(family_250(found_incomes=found))
    household = [line for line in result.income_lines if line.member_ref is None]
    assert household == [
        mt.IncomeLine(None, "全户", "veteran", False, D("0.00"), D("50.00"), D("50.00"), D("50.00"), ("manual",)),
        mt.IncomeLine(None, "全户", "wage", True, D("750.00"), D("1000.00"), D("200.00"), D("200.00"), ("manual",)),
    ]
    assert result.counted_income == D("1000.00") and result.excluded_income == D("50.00")
    # 50 (member 2) + 200 (the household's top-up) = 250 above the declared figures
    assert shown(result, "income_discrepancy_review")[0][2].startswith("核对收入比申报收入合计多 250.00 元/月")


def test_a_household_figure_is_reported_as_a_top_up_not_as_the_higher_figure():
    """MSL 13, domain.md §3: the computation shown to staff says what a hand-entered household
    total does: the household's declared total, the document's total, and the amount counted
    on top of the members' own lines. It does not call the top-up "the higher figure" (the
    higher figure is the document's 1,000.00; what it adds is 200.00). A member's line keeps
    the member's wording."""
    found = (mt.FoundIncome(None, "wage", D("1000"), "manual"), mt.FoundIncome("2", "wage", D("300"), "tax"))
    result = mt.evaluate(family_250(found_incomes=found))
    messages = [message for _code, _severity, message in shown(result, "income_discrepancy")]
    household = [m for m in messages if m.startswith("全户")]
    assert len(household) == 1
    assert "申报合计 750.00 元/月" in household[0]
    assert "核对全户合计为 1000.00 元/月" in household[0]
    assert household[0].endswith("在成员各项收入之外另计 200.00 元/月。")
    assert "按较高数额 200.00" not in household[0]
    (member,) = [m for m in messages if not m.startswith("全户")]
    assert "按较高数额 300.00 元/月计算" in member


def test_registry_figures_of_one_source_add_up_and_members_keep_household_order():
    """Two employers reported by one registry add up (the highest *source* counts); the
    lines follow the household's order of members, a figure for someone not in the
    household comes last under its reference, kinds in name order."""
    found = (mt.FoundIncome("9", "wage", D("10"), "tax"), mt.FoundIncome("2", "wage", D("200"), "tax"),
             mt.FoundIncome("2", "wage", D("150"), "tax"), mt.FoundIncome("2", "wage", D("300"), "social_insurance"),
             mt.FoundIncome("1", "transfer", D("20"), "civil_affairs"))  # fmt: skip
    result = mt.evaluate(family_250(found_incomes=found))
    assert [(line.member_name, line.kind, line.used) for line in result.income_lines] == [
        ("张建国", "transfer", D("20.00")),
        ("张建国", "wage", D("500.00")),
        ("李秀英", "wage", D("350.00")),
        ("9", "wage", D("10.00")),
    ]
    assert result.income_lines[2].sources == ("social_insurance", "tax")


def test_expense_reasons_under_the_national_rule():
    """MSL 13 without a county rule: education is not deducted outside a spending shock
    (TA18; a zero claim says nothing), a kind with no member named is deducted for the
    household, a named one names every member once and the national rule, and spending
    above the income is deducted only down to zero."""
    inp = mt.MeansTestInput(
        members=FAMILY, standard=MONTHLY_400, asset_rules=LIMITS, declared_incomes=(mt.DeclaredIncome("1", "wage", D("300")),),
        expenses=(mt.Expense("education", D("80")), mt.Expense("education", D("0")), mt.Expense("illness", D("200")),
                  mt.Expense("disability", D("150"), "李秀英"), mt.Expense("disability", D("10"), "李秀英"),
                  mt.Expense("disability", D("5"), "张小军")),
    )  # fmt: skip
    result = mt.evaluate(inp)
    assert shown(result)[:4] == [
        ("expense_not_deducted", "info", "教育支出 80.00 元/月仅在支出型临时救助中扣减，本次核对不扣减。"),
        ("expense_deducted", "info", "刚性支出“因病医疗支出”200.00 元/月从家庭收入中扣减（审核确认办法第十三条）。"),
        ("expense_deducted", "info",
         "刚性支出“因残康复、护理支出”（李秀英、张小军）165.00 元/月从家庭收入中扣减（审核确认办法第十三条；国家规定）。"),
        ("deduction_capped", "info", "刚性支出合计 365.00 元/月超过计入收入 300.00 元/月，按收入额扣减至零。"),
    ]  # fmt: skip
    assert result.reasons[3].numbers == {"requested": "365.00", "income": "300.00"}
    assert result.deduction_lines == (
        mt.DeductionLine("illness", "因病医疗支出", (), D("200.00"), D("200.00"), None, ""),
        mt.DeductionLine("disability", "因残康复、护理支出", ("李秀英", "张小军"), D("165.00"), D("165.00"), None, ""),
    )
    assert (result.deductions, result.net_income, result.per_capita_income) == (D("300.00"), D("0.00"), D("0.00"))


def test_expense_reasons_under_a_county_rule():
    """MSL 13 with the county rule: a kind it does not deduct says so naming the rule; a
    claim one fen above the cap is deducted at the cap, saying both; the deduction names
    the household when no member is given, and the rule."""
    rules = mt.ExpenseRules(deductible=("illness",), caps={"illness": D("100")}, label="县规则")
    inp = mt.MeansTestInput(
        members=FAMILY, standard=MONTHLY_400, asset_rules=LIMITS, declared_incomes=(mt.DeclaredIncome("1", "wage", D("300")),),
        expenses=(mt.Expense("disability", D("50"), "李秀英"), mt.Expense("illness", D("100")),
                  mt.Expense("illness", D("0.01"))),
        expense_rules=rules,
    )  # fmt: skip
    result = mt.evaluate(inp)
    assert shown(result)[:3] == [
        ("expense_not_deducted", "info", "刚性支出“因残康复、护理支出”50.00 元/月按县规则不予扣减。"),
        ("expense_capped", "info", "刚性支出“因病医疗支出”申报 100.01 元/月，按县规则每月最多扣减 100.00 元。"),
        ("expense_deducted", "info",
         "刚性支出“因病医疗支出”（全家）100.00 元/月从家庭收入中扣减（审核确认办法第十三条；县规则）。"),
    ]  # fmt: skip
    assert result.deduction_lines == (
        mt.DeductionLine("illness", "因病医疗支出", (), D("100.01"), D("100.00"), D("100.00"), "县规则"),
    )
    assert result.deductions == D("100.00") and result.per_capita_income == D("66.67")


def test_a_claim_at_the_cap_is_deducted_whole_without_a_cap_reason():
    """MSL 13: a claim equal to the county's cap is deducted in full; only a claim above it
    is capped."""
    rules = mt.ExpenseRules(caps={"illness": D("100")}, label="县规则")
    result = mt.evaluate(family_250(expenses=(mt.Expense("illness", D("100")),), expense_rules=rules))
    assert result.deductions == D("100.00")
    assert shown(result, "expense_capped") == []


def _assets_case(**overrides):
    """A household of 3 with deposits declared and found, securities found, houses and
    vehicles (one exempt, one sold: count 0), one member moved out, a hand-entered source and
    one the check could not reach."""
    fields = {
        "members": FAMILY, "standard": MONTHLY_400, "declared_incomes": (mt.DeclaredIncome("1", "wage", D("300")),),
        "asset_rules": mt.AssetRules(financial_assets_per_capita=D("3000"), vehicles_allowed=True,
                                  vehicle_value_limit=D("30000"), max_housing_units=2, label="R"),
        "declared_assets": (mt.Asset("deposit", D("4000"), description="存折"),
                         mt.Asset("housing", D("1"), description="老宅", count=3),
                         mt.Asset("vehicle", D("99999"), description="申报车")),
        "found_assets": (mt.Asset("deposit", D("2500"), "bank_deposits", "信用社"),
                      mt.Asset("deposit", D("2500"), "bank_deposits", "农行"),
                      mt.Asset("securities", D("1000"), "securities"),
                      mt.Asset("housing", D("1"), "real_estate", "新房"),
                      mt.Asset("vehicle", D("20000"), "vehicles", "货车"),
                      mt.Asset("vehicle", D("10000.01"), "vehicles", ""),
                      mt.Asset("vehicle", D("5000"), "vehicles", "代步车", disability_vehicle=True),
                      mt.Asset("vehicle", D("70000"), "vehicles", "已过户", count=0)),
        "persons": (mt.PersonStatus("3", "moved_out"), mt.PersonStatus("2", "normal"),
                 mt.PersonStatus("9", "deceased", "已死亡")),
        "manual_sources": (mt.ManualSource("tax", "税务", "王五", "工资证明"),),
        "unavailable_sources": ("车辆、船舶",), "source_labels": {"bank_deposits": "银行"},
    }  # fmt: skip
    return mt.MeansTestInput(**{**fields, **overrides})


def test_asset_reasons_from_the_registries():
    """SAI 10: financial assets (deposits and securities, the higher of declared and found
    per kind) per person against the limit, each financial kind found above the declared
    one named with its registries; the vehicles the registry reports (not the declared one)
    with a disability vehicle exempt and a vehicle of count 0 not counted, their value
    against the limit; houses counted by whichever side reports more; members whose
    registration is not normal, documents entered by hand and sources not reached."""
    result = mt.evaluate(_assets_case())
    assert shown(result)[1:] == [
        ("financial_assets_within_limit", "info", "家庭金融资产 6000.00 元，人均 2000.00 元，未超过人均上限 3000.00 元（R）。"),
        ("asset_discrepancy", "info", "“银行存款”申报 4000.00 元，银行 核对为 5000.00 元，按较高数额计算。"),
        ("asset_discrepancy", "info", "“有价证券”申报 0.00 元，securities 核对为 1000.00 元，按较高数额计算。"),
        ("disability_vehicle_exempt", "info", "残疾人功能性补偿代步车不计入车辆限制：代步车。"),
        ("vehicle_value_over_limit", "disqualifying",
         "机动车价值合计 30000.01 元，超过R规定的上限 30000.00 元：货车；机动车辆。"),
        ("housing_over_limit", "disqualifying", "家庭拥有住房 3 套，超过R规定的 2 套：老宅。"),
        ("member_registration_status", "review", "户籍核对：张小军 的户籍状态为“moved_out”，需人工复核家庭成员。"),
        ("member_registration_status", "review", "户籍核对：9 的户籍状态为“已死亡”，需人工复核家庭成员。"),
        ("manual_evidence", "info", "税务 系统无法核对，采用经办人 王五 补充的书面材料：工资证明。"),
        ("source_unavailable", "review", "车辆、船舶 无法核对且未补充材料，需人工复核。"),
    ]  # fmt: skip
    numbers = {r.code: r.numbers for r in result.reasons}
    assert numbers["housing_over_limit"] == {"count": 3, "limit": 2, "rule": "R", "items": "老宅"}
    assert numbers["manual_evidence"]["source_code"] == "tax"
    assert numbers["vehicle_value_over_limit"] == {"value": "30000.01", "limit": "30000.00", "rule": "R",
                                                   "vehicles": "货车；机动车辆"}  # fmt: skip
    assert result.asset_lines == (
        mt.AssetLine("deposit", D("4000.00"), D("5000.00"), D("5000.00"), 1, 2, True, ("bank_deposits",), ("信用社", "农行")),
        mt.AssetLine("housing", D("1.00"), D("1.00"), D("1.00"), 3, 1, False, ("real_estate",), ("新房",)),
        mt.AssetLine("vehicle", D("99999.00"), D("105000.01"), D("105000.01"), 1, 3, False, ("vehicles",),
                     ("货车", "代步车", "已过户")),
        mt.AssetLine("securities", D("0.00"), D("1000.00"), D("1000.00"), 0, 1, True, ("securities",), ()),
    )  # fmt: skip
    assert (result.financial_assets, result.financial_assets_per_capita) == (D("6000.00"), D("2000.00"))
    assert result.outcome == "not_eligible" and result.monthly_amount == D("0.00")


def test_vehicles_at_the_value_limit_and_declared_when_the_registry_has_none():
    """SAI 10: vehicles worth exactly the limit pass; with no registry record the declared
    vehicle counts (described by its kind when it has no description), and under a
    no-vehicle rule the reason counts the vehicles."""
    at_limit = mt.Asset("vehicle", D("30000.00"), "vehicles", "货车")
    result = mt.evaluate(_assets_case(found_assets=(at_limit,)))
    assert shown(result, "vehicle_value_over_limit") == []
    no_cars = mt.AssetRules(financial_assets_per_capita=D("3000"), label="R")
    declared = (mt.Asset("vehicle", D("1"), count=2), mt.Asset("vehicle", D("1"), description="摩托"))
    result = mt.evaluate(_assets_case(asset_rules=no_cars, found_assets=(), declared_assets=declared))
    (reason,) = [r for r in result.reasons if r.code == "vehicle_not_allowed"]
    assert reason.message == (
        "核对发现机动车：机动车辆；摩托。按R，家庭拥有机动车（残疾人功能性补偿代步车除外）的不符合条件。"
    )
    assert reason.numbers == {"vehicles": "机动车辆；摩托", "rule": "R", "count": 3}
    unlimited = mt.AssetRules(financial_assets_per_capita=D("3000"), vehicles_allowed=True, label="R")
    assert shown(mt.evaluate(_assets_case(asset_rules=unlimited)), "vehicle_value_over_limit") == []


@pytest.mark.parametrize(("threshold", "review"), [(D("2000.00"), False), (D("1999.99"), True)])
def test_asset_discrepancy_review_only_above_the_threshold(threshold, review):
    """SAI 10: financial assets found 2,000.00 above the declared ones in all need a
    person's review only when that is *more than* the county's threshold."""
    result = mt.evaluate(_assets_case(policy=mt.Policy(asset_discrepancy_review_threshold=threshold)))
    expected = [
        ("asset_discrepancy_review", "review", "核对财产比申报多 2000.00 元，超过复核阈值 1999.99 元，需人工复核。")
    ]
    assert shown(result, "asset_discrepancy_review") == (expected if review else [])


def test_financial_assets_over_the_limit_are_disqualifying_with_the_figures():
    """SAI 10: per-person financial assets one fen above the limit disqualify, and the
    reason gives the total, the per-person figure, the limit and the rule; at the limit
    they are within it."""
    over = mt.evaluate(_assets_case(declared_assets=(), found_assets=(mt.Asset("deposit", D("9000.03"), "bank"),)))
    assert shown(over, "financial_assets_over_limit") == [
        ("financial_assets_over_limit", "disqualifying",
         "家庭金融资产 9000.03 元，人均 3000.01 元，超过人均上限 3000.00 元（R）。"),
    ]  # fmt: skip
    at = mt.evaluate(_assets_case(declared_assets=(), found_assets=(mt.Asset("deposit", D("9000.00"), "bank"),)))
    assert [r.code for r in at.reasons if r.code.startswith("financial")] == ["financial_assets_within_limit"]


def test_houses_and_business_entities_counted_by_the_side_reporting_more():
    """SAI 10: the registry's houses when it reports at least as many as declared (its
    descriptions listed), at the limit no reason; a business entity is disqualifying unless
    the county allows them, counted and listed."""
    houses = tuple(mt.Asset("housing", D("1"), "real_estate", f"房{i}") for i in (1, 2))
    result = mt.evaluate(_assets_case(declared_assets=(mt.Asset("housing", D("1"), description="老宅", count=2),),
                                      found_assets=houses))  # fmt: skip
    assert shown(result, "housing_over_limit") == []
    three = (*houses, mt.Asset("housing", D("1"), "real_estate", ""))
    result = mt.evaluate(_assets_case(declared_assets=(), found_assets=three))
    assert result.reasons[[r.code for r in result.reasons].index("housing_over_limit")].numbers["items"] == "房1；房2"
    shops = (
        mt.Asset("business_entity", D("1"), "market", "小卖部"),
        mt.Asset("business_entity", D("1"), "market", "网店"),
    )
    result = mt.evaluate(_assets_case(found_assets=shops))
    assert shown(result, "business_entity_not_allowed") == [
        ("business_entity_not_allowed", "disqualifying", "家庭成员登记有市场主体：小卖部；网店。按R，经营市场主体的不符合条件。"),
    ]  # fmt: skip
    assert next(r.numbers for r in result.reasons if r.code == "business_entity_not_allowed")["count"] == 2
    allowed = mt.AssetRules(financial_assets_per_capita=D("3000"), business_entities_allowed=True, label="R")
    assert (
        shown(mt.evaluate(_assets_case(asset_rules=allowed, found_assets=shops)), "business_entity_not_allowed") == []
    )


def test_a_disqualifying_reason_outweighs_a_review():
    """Not eligible on any disqualifying reason even when another needs review; needs review
    on a review reason alone; eligible otherwise."""
    info = mt.Reason("a", "info", "")
    review = mt.Reason("b", "review", "")
    disqualifying = mt.Reason("c", "disqualifying", "")
    assert mt.outcome_of([review, disqualifying, info]) == mt.Outcome.NOT_ELIGIBLE
    assert mt.outcome_of([info, review]) == mt.Outcome.NEEDS_REVIEW
    assert mt.outcome_of([info]) == mt.Outcome.ELIGIBLE


# --- 低收入家庭认定 (LB24; domain.md §8) ----------------------------------------------------

LOW_INCOME_LIMITS = mt.AssetRules(financial_assets_per_capita=D("20000"), label="低收入财产限额")
LOW_INCOME = mt.LowIncomeCriteria(
    income_multiple=D("1.50"),
    asset_rules=LOW_INCOME_LIMITS,
    spending_hardship_income_line=D("2500"),
    label="示范县低收入规则",
)


def low_income_case(wage, *, expenses=(), criteria=LOW_INCOME, deposits="0"):
    """Two members, the first earning ``wage`` a month; standard 400 a month, dibao asset
    limit 5,000 per person."""
    return mt.MeansTestInput(
        members=(mt.Member("1", "成员1"), mt.Member("2", "成员2")), standard=MONTHLY_400,
        asset_rules=mt.AssetRules(financial_assets_per_capita=D("5000"), label="低保财产限额"),
        declared_incomes=(mt.DeclaredIncome("1", "wage", D(wage)),), declared_assets=(mt.Asset("deposit", D(deposits)),),
        expenses=tuple(mt.Expense(kind, D(amount)) for kind, amount in expenses), low_income=criteria,
    )  # fmt: skip


LB24 = "《最低生活保障边缘家庭和刚性支出困难家庭认定办法》"


def test_near_dibao_reason_and_stored_figures():
    """LB24: 500 per person is not below the standard 400 and at most 1.5 times it (600):
    the reason says so with the rule, and the result stores the category, its label and
    every figure the letter cites; no amount."""
    result = mt.evaluate(low_income_case("1000"))
    assert shown(result, "low_income_near_dibao") == [
        ("low_income_near_dibao", "info",
         f"家庭月人均收入 500.00 元不低于当地低保标准 400.00 元，且不超过低保标准的 1.50 倍（600.00 元），属于低保边缘家庭（{LB24}；示范县低收入规则）。"),
    ]  # fmt: skip
    assert result.to_json()["low_income"] == {
        "category": "near_dibao", "category_label": "低保边缘家庭", "per_capita_income": "500.00", "standard": "400.00",
        "multiple": "1.50", "limit": "600.00", "gross_per_capita": "500.00", "yearly_income": "12000.00",
        "yearly_spending": "0.00", "line": "2500.00", "rule": "示范县低收入规则",
    }  # fmt: skip
    assert result.monthly_amount == D("0.00") and result.gap_per_capita == D("0.00")


def test_under_the_standard_the_reason_sends_staff_to_dibao():
    """LB24: 350 per person is under the standard: refused with the figures, no category."""
    result = mt.evaluate(low_income_case("700"))
    assert shown(result, "low_income_qualifies_for_dibao") == [
        ("low_income_qualifies_for_dibao", "disqualifying",
         f"家庭月人均收入 350.00 元低于当地低保标准 400.00 元，符合最低生活保障条件，不认定为低收入家庭：低保边缘家庭须人均收入高于当地低保标准（{LB24}）。"
         "请告知申请人改为申请最低生活保障。"),
    ]  # fmt: skip
    assert (result.low_income["category"], result.low_income["category_label"]) == ("", "")
    assert [r.code for r in result.reasons if r.code.startswith("low_income")] == ["low_income_qualifies_for_dibao"]
    assert result.monthly_amount == D("0.00")


def test_spending_hardship_reads_income_before_deductions_and_all_spending():
    """LB24: the near-dibao test reads income after the deductible spending (1,500 per
    person: above 1.5 times the standard), the spending-hardship test the income before it
    (2,000 per person, under the line 2,500) and every kind of spending uncapped over 12
    months (72,000 above 48,000): 刚性支出困难家庭, both reasons informational."""
    result = mt.evaluate(low_income_case("4000", expenses=[("illness", "1000"), ("education", "5000")]))
    assert result.outcome == "eligible"
    assert shown(result, "low_income_above_multiple", "low_income_spending_hardship") == [
        ("low_income_above_multiple", "info",
         f"家庭月人均收入 1500.00 元超过当地低保标准 400.00 元的 1.50 倍（600.00 元），不属于低保边缘家庭（{LB24}；示范县低收入规则）。"),
        ("low_income_spending_hardship", "info",
         "近 12 个月刚性支出 72000.00 元超过家庭收入 48000.00 元，家庭月人均收入 2000.00 元低于本县收入上限 2500.00 元，"
         f"属于刚性支出困难家庭（{LB24}；示范县低收入规则）。"),
    ]  # fmt: skip
    assert result.low_income["category"] == "spending_hardship"
    assert result.low_income["category_label"] == "刚性支出困难家庭"
    assert (result.low_income["per_capita_income"], result.low_income["gross_per_capita"]) == ("1500.00", "2000.00")


def test_spending_equal_to_income_is_not_hardship():
    """LB24: spending must be *above* the income: 48,000 a year against 48,000 is not, and
    that is the only unmet condition given (2,000 per person is under the line)."""
    result = mt.evaluate(low_income_case("4000", expenses=[("education", "4000")]))
    assert result.outcome == "not_eligible"
    assert shown(result, "low_income_spending_not_above", "low_income_above_line") == [
        ("low_income_spending_not_above", "disqualifying",
         "近 12 个月刚性支出 48000.00 元未超过家庭收入 48000.00 元，不属于刚性支出困难家庭。"),
    ]  # fmt: skip


def test_every_unmet_hardship_condition_is_given():
    """LB24: spending below income and income at the line: both reasons, each with its figures."""
    result = mt.evaluate(low_income_case("5000", expenses=[("education", "4000")]))
    assert shown(result, "low_income_above_multiple", "low_income_spending_not_above", "low_income_above_line") == [
        ("low_income_above_multiple", "disqualifying",
         f"家庭月人均收入 2500.00 元超过当地低保标准 400.00 元的 1.50 倍（600.00 元），不属于低保边缘家庭（{LB24}；示范县低收入规则）。"),
        ("low_income_spending_not_above", "disqualifying",
         "近 12 个月刚性支出 48000.00 元未超过家庭收入 60000.00 元，不属于刚性支出困难家庭。"),
        ("low_income_above_line", "disqualifying",
         "家庭月人均收入 2500.00 元不低于本县刚性支出困难家庭收入上限 2500.00 元，不属于刚性支出困难家庭。"),
    ]  # fmt: skip


def test_without_a_county_rule_the_default_multiple_and_the_dibao_asset_limits_apply():
    """LB24 with no county rule: 1.5 times the standard, no spending-hardship line (the
    reasons say no rule is configured), and the dibao asset limits (5,000 per person) in
    place of low-income ones."""
    result = mt.evaluate(low_income_case("4000", expenses=[("education", "5000")], criteria=mt.LowIncomeCriteria()))
    no_rule = "未配置低收入家庭认定规则，按低保标准的 1.5 倍和低保财产限额"
    assert shown(result, "low_income_no_line") == [
        ("low_income_no_line", "disqualifying", f"本县未设定刚性支出困难家庭收入上限（{no_rule}），不认定刚性支出困难家庭。"),
    ]  # fmt: skip
    assert result.low_income["line"] is None and result.low_income["rule"] == no_rule
    over = mt.evaluate(low_income_case("1000", deposits="10000.02", criteria=mt.LowIncomeCriteria()))
    assert shown(over, "financial_assets_over_limit")[0][2].endswith("超过人均上限 5000.00 元（低保财产限额）。")
    within = mt.evaluate(low_income_case("1000", deposits="10000.02"))
    assert within.outcome == "eligible"


# --- money, the standard, bands and the stored result -------------------------------------


def test_money_is_rounded_half_up_to_the_fen_and_never_negative():
    """domain.md §3: amounts are yuan to the fen, half-up; a negative amount is zero."""
    assert mt.money(D("0.005")) == D("0.01")
    assert mt.money(D("2.344")) == D("2.34")
    assert mt.money(3) == D("3.00") and str(mt.money("7")) == "7.00"
    assert mt.money(D("-0.01")) == D("0.00") and mt.money(D("0.004")) == D("0.00")
    assert str(mt.money(D("-0.004"))) == "0.00"  # never a "negative zero"


def test_a_monthly_standard_is_kept_to_the_fen_and_job_costs_may_be_missing():
    """domain.md §3: a monthly standard is used as it is, to the fen; MSL 13: a wage with no
    job costs recorded is counted whole, and job costs above the wage leave nothing."""
    assert mt.monthly_standard(mt.Standard(D("600.456"), "monthly")) == D("600.46")
    assert mt.net_declared(mt.DeclaredIncome("1", "wage", D("100"), None)) == D("100.00")
    assert mt.net_declared(mt.DeclaredIncome("1", "wage", D("100"), D("30"))) == D("70.00")
    assert mt.net_declared(mt.DeclaredIncome("1", "wage", D("100"), D("130"))) == D("0.00")


def test_band_amounts_and_intervals_are_shown_to_the_fen():
    """MSL 23 (分档): the band is shown with its bounds to the fen, and its amount per person
    times the household is rounded to the fen."""
    band = mt.Band(D("100"), D("250.5"), D("100.555"))
    assert band.interval == "(100.00, 250.50]"
    assert mt.Band(D("0.5"), None, D("1")).interval == "(0.50, +∞)"
    assert mt.banded_amount((band,), D("250.50"), 3) == (band, D("301.67"))
    assert mt.monthly_amount(gap_per_capita=D("150"), household_size=3, bands=iter([band])) == (band, D("301.67"))
    assert mt.monthly_amount(gap_per_capita=D("33.333"), household_size=3) == (None, D("100.00"))


def test_stored_numbers_keep_their_precision_and_plain_types():
    """A stored result is plain JSON: money with two decimals, a finer figure (a multiple)
    as it is, enum values as text, keys as text, tuples as lists."""
    assert mt._jsonable(D("2")) == "2.00"
    assert mt._jsonable(D("1.505")) == "1.505"
    assert mt._jsonable({1: (D("1"), mt.Severity.REVIEW)}) == {"1": ["1.00", "review"]}
    assert mt._jsonable([None, 3, "x"]) == [None, 3, "x"]


def test_a_stored_result_reads_back_with_decimals_and_ignores_unknown_keys():
    """A result read back from JSON has Decimal money (not text) and ignores keys a later
    version may add."""
    stored = mt.evaluate(family_250(found_assets=(mt.Asset("deposit", D("10"), "bank", "x"),))).to_json()
    back = mt.MeansTestResult.from_json({**stored, "added_later": 1})
    assert back.monthly_amount == D("450.00") and isinstance(back.monthly_amount, Decimal)
    assert isinstance(back.financial_assets, Decimal) and back.outcome == "eligible" and back.household_size == 3
    assert back.asset_lines[0].items == ("x",) and back.asset_lines[0].found == D("10.00")
    assert isinstance(back.income_lines[0].used, Decimal) and back.income_lines[0].sources == ()


def test_education_is_listed_once_when_the_county_already_deducts_it():
    """TA18 / MSL 13: a spending shock adds education to the county's kinds only once, after
    them; without a shock the county's kinds are used as they are."""
    rules = mt.ExpenseRules(deductible=("education", "illness"))
    assert mt.deductible_kinds("temporary_assistance", True, rules) == ("education", "illness")
    assert mt.deductible_kinds("temporary_assistance", True, mt.ExpenseRules(deductible=("illness",))) == (
        "illness",
        "education",
    )
    assert mt.deductible_kinds("dibao", False, rules) == ("education", "illness")
    assert mt.deductible_kinds("dibao", False) == ("illness", "disability")


def test_errors_say_what_is_wrong():
    """An empty household and a single-person request for someone outside the household are
    programming errors that say so."""
    with pytest.raises(ValueError, match=r"^a household has at least one member$"):
        mt.evaluate(family_250(members=()))
    with pytest.raises(ValueError, match=r"^member 7 asked to be enrolled alone is not in the household$"):
        mt.evaluate(family_250(single_person_ref="7"))


def test_excluded_income_is_reported_per_kind_in_total_and_only_when_there_is_some():
    """MSL 13: the computation names each excluded kind once with the household's total of
    it (two members' scholarships together), even a small amount, and says nothing of an
    excluded kind recorded as zero."""
    declared = (
        mt.DeclaredIncome("1", "wage", D("750")),
        mt.DeclaredIncome("2", "scholarship", D("200")),
        mt.DeclaredIncome("3", "scholarship", D("150")),
        mt.DeclaredIncome("3", "bravery", D("0.50")),
        mt.DeclaredIncome("1", "veteran", D("0")),
    )
    result = mt.evaluate(family_250(declared_incomes=declared))
    assert shown(result, "income_excluded") == [
        ("income_excluded", "info", "“奖学金、助学金”350.00 元/月不计入家庭收入（审核确认办法第十三条）。"),
        ("income_excluded", "info", "“见义勇为等奖励性补助”0.50 元/月不计入家庭收入（审核确认办法第十三条）。"),
    ]
    assert result.excluded_income == D("350.50")


def test_income_at_or_above_the_standard_is_refused_with_the_figures():
    """SAI 9: the refusal gives the per-capita income and the standard it is not below, and
    stores the household size and net income behind them."""
    result = mt.evaluate(family_250(declared_incomes=(mt.DeclaredIncome("1", "wage", D("1200.00")),)))
    assert shown(result, "income_above_standard") == [
        ("income_above_standard", "disqualifying",
         "家庭月人均收入 400.00 元不低于当地低保标准 400.00 元（《社会救助暂行办法》第九条）。"),
    ]  # fmt: skip
    (reason,) = [r for r in result.reasons if r.code == "income_above_standard"]
    assert reason.numbers == {
        "per_capita_income": "400.00",
        "standard": "400.00",
        "household_size": 3,
        "net_income": "1200.00",
    }


def test_small_amounts_are_reported_too():
    """MSL 13: the computation reports job costs of 0.50, a registry figure 0.50 above the
    declared one and a non-deductible expense of 0.50 (after a deductible one) like larger
    ones; job costs of someone not in the household name them by their reference."""
    declared = (
        mt.DeclaredIncome("1", "wage", D("500.00"), D("0.50")),
        mt.DeclaredIncome("2", "wage", D("250.00")),
        mt.DeclaredIncome("9", "wage", D("10.00"), D("1.00")),
    )
    result = mt.evaluate(
        family_250(
            declared_incomes=declared,
            found_incomes=(mt.FoundIncome("2", "wage", D("250.50"), "tax"),),
            expenses=(mt.Expense("illness", D("20.00")), mt.Expense("education", D("0.50"))),
        )
    )
    assert [
        (r.code, r.numbers) for r in result.reasons if r.code in ("job_costs_deducted", "expense_not_deducted")
    ] == [
        ("job_costs_deducted", {"member": "张建国", "job_costs": "0.50"}),
        ("job_costs_deducted", {"member": "9", "job_costs": "1.00"}),
        ("expense_not_deducted", {"kind": "education", "amount": "0.50"}),
    ]
    (discrepancy,) = [r for r in result.reasons if r.code == "income_discrepancy"]
    assert discrepancy.numbers["found"] == "250.50"


def test_a_spending_shock_reports_education_as_deducted():
    """TA18: for spending-shock temporary assistance education is deducted, so the
    computation says so and never that it was not deducted."""
    education = (mt.Expense("education", D("300.00")),)
    result = mt.evaluate(family_250(expenses=education, purpose="temporary_assistance", spending_shock=True))
    assert [r.code for r in result.reasons if r.code.startswith("expense")] == ["expense_deducted"]


def test_income_lines_add_a_members_jobs_and_follow_the_household_order():
    """MSL 13: two declared wages of one member add up; the lines follow the household's
    order of members (not their references' order); a household-level figure of a kind that
    sorts after a member's line is still counted, and a registry naming a source that
    reported 0.50 names it."""
    members = (mt.Member("b", "乙"), mt.Member("a", "甲"))
    inp = mt.MeansTestInput(
        members=members, standard=MONTHLY_400, asset_rules=LIMITS,
        declared_incomes=(mt.DeclaredIncome("b", "wage", D("500")), mt.DeclaredIncome("b", "wage", D("300")),
                          mt.DeclaredIncome("a", "wage", D("100"))),
        found_incomes=(mt.FoundIncome("a", "transfer", D("0.50"), "civil_affairs"),
                       mt.FoundIncome(None, "wage", D("1000"), "manual")),
    )  # fmt: skip
    result = mt.evaluate(inp)
    assert [(line.member_name, line.kind, line.used, line.sources) for line in result.income_lines] == [
        ("乙", "wage", D("800.00"), ()),
        ("甲", "transfer", D("0.50"), ("civil_affairs",)),
        ("甲", "wage", D("100.00"), ()),
        ("全户", "wage", D("100.00"), ("manual",)),
    ]
    assert result.counted_income == D("1000.50")


def test_asset_and_vehicle_details_as_found():
    """SAI 10: a financial asset found at exactly the declared value is no discrepancy;
    several exempt disability vehicles are listed together; with as many houses found as
    declared, the registry's descriptions are listed."""
    scooters = (mt.Asset("vehicle", D("1"), "vehicles", "代步车甲", disability_vehicle=True),
                mt.Asset("vehicle", D("1"), "vehicles", "代步车乙", disability_vehicle=True))  # fmt: skip
    houses = tuple(mt.Asset("housing", D("1"), "real_estate", f"登记房{i}") for i in (1, 2, 3))
    declared = (mt.Asset("deposit", D("1000")), mt.Asset("housing", D("1"), description="自报房", count=3))
    result = mt.evaluate(
        _assets_case(
            declared_assets=declared, found_assets=(mt.Asset("deposit", D("1000"), "bank"), *scooters, *houses)
        )
    )
    assert shown(result, "asset_discrepancy") == []
    assert (
        shown(result, "disability_vehicle_exempt")[0][2] == "残疾人功能性补偿代步车不计入车辆限制：代步车甲；代步车乙。"
    )
    (housing,) = [r for r in result.reasons if r.code == "housing_over_limit"]
    assert housing.numbers["items"] == "登记房1；登记房2；登记房3"


def test_only_positive_claims_make_deduction_lines():
    """MSL 13: a kind claimed at zero makes no deduction line (and does not stop the kinds
    after it); a claim of 0.50 does."""
    expenses = (mt.Expense("illness", D("0")), mt.Expense("disability", D("0.50")))
    result = mt.evaluate(family_250(expenses=expenses))
    assert [(line.kind, line.claimed, line.deducted) for line in result.deduction_lines] == [
        ("disability", D("0.50"), D("0.50"))
    ]
    assert result.deductions == D("0.50")


def test_spending_equal_to_the_income_is_deducted_whole_without_the_capped_reason():
    """MSL 13: essential spending equal to the counted income takes it to zero exactly; only
    spending *above* the income is reported as deducted down to zero."""
    result = mt.evaluate(family_250(expenses=(mt.Expense("illness", D("750.00")),)))
    assert (result.deductions, result.net_income) == (D("750.00"), D("0.00"))
    assert shown(result, "deduction_capped") == []

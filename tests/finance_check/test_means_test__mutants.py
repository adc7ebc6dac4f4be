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

"""低收入家庭认定 end to end on the services (LB24, LI23; domain.md §8): the dibao stages
(application, consent-gated check, home visit, 7-day notice, township decision), a
recognition without cash, a yearly re-check, and payment rolls that leave it out."""

from __future__ import annotations

import datetime
from decimal import Decimal

from tests.dibao.conftest import accept, finished_nodes, home_visit, member, pass_notice, propose, sign_all
from workflows.caseload.models import Benefit, BenefitStatus, Recheck
from workflows.caseload.months import months_after
from workflows.core.programmes import BenefitKind
from workflows.dibao.models import Decision, NoticeRound

from .conftest import elderly_couple, file_low_income

HEAD = ["start", "accept", "has_missing_materials", "request_check", "await_finance_check", "home_visit",
        "needs_county_visit", "propose", "is_direct_return", "goes_to_notice", "post_notice", "notice_period",
        "has_objection", "sign_handler", "sign_section_chief", "sign_township_head", "is_approved"]  # fmt: skip


def _recognised(region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch):
    process = file_low_income(case_worker_a, region.village_a, members=elderly_couple("1000.00"))
    process = accept(process, case_worker_a)
    process = finance_check.finish(process)
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    process = pass_notice(process, monkeypatch)
    return sign_all(process, case_worker_a, approver_a, approver_a2)


def test_a_near_dibao_household_is_recognised_without_cash(
    region, low_income_rule, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch
):
    """LB24: per-capita income 500 (above the standard 400, at most 1.5x = 600) -> 低保边缘家庭.
    The case runs the dibao stages under its own prefix and flow; the check runs for the
    low-income purpose; no amount is proposed, posted or decided; the approval opens a
    recognition benefit in force, with no amount (LI23)."""
    process = file_low_income(case_worker_a, region.village_a, members=elderly_couple("1000.00"))
    assert process.case_number.startswith("DS-990101001-")
    assert process.flow_class.__name__ == "LowIncomeFlow"
    process = accept(process, case_worker_a)
    assert finance_check.requests[-1].purpose == "low_income"
    process = finance_check.finish(process)
    assert process.finance_outcome == "eligible"
    assert process.finance_result["low_income"]["category"] == "near_dibao"
    assert process.finance_result["monthly_amount"] == "0.00"
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    assert process.proposes_approval is True and process.proposed_amount is None
    assert process.amount_computation["method"] == "none"
    assert process.amount_computation["category_label"] == "低保边缘家庭"
    assert NoticeRound.objects.get(process=process).proposed_amount is None
    process = pass_notice(process, monkeypatch)
    process = sign_all(process, case_worker_a, approver_a, approver_a2)

    assert process.decision == Decision.APPROVED and process.status == "DONE"
    assert process.monthly_amount is None and process.payment_starts is None
    assert finished_nodes(process) == [*HEAD, "approve", "end_approved"]
    benefit = Benefit.objects.get(source_case_id=process.pk)
    assert benefit.kind == BenefitKind.RECOGNITION
    assert benefit.status == BenefitStatus.IN_FORCE
    assert benefit.monthly_amount == Decimal("0.00")
    assert benefit.programme == "low_income"


def test_the_recognition_is_rechecked_yearly(
    region, low_income_rule, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch
):
    """Domain.md §8: low-income families are re-checked yearly: the approval schedules the
    first re-check 12 months after the decision (MSL 31 cadence of a stable household)."""
    process = _recognised(region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch)
    benefit = Benefit.objects.get(source_case_id=process.pk)
    recheck = Recheck.objects.get(benefit=benefit)
    assert benefit.recheck_months == 12
    assert recheck.due_on == months_after(process.decided_on, 12)


def test_a_household_under_the_dibao_standard_is_refused_and_pointed_to_dibao(
    region, low_income_rule, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check
):
    """LB24: 低保边缘家庭 are above the dibao standard. A household at 300 per person (under
    400) fails the low-income check with a reason telling staff it qualifies for dibao; it
    cannot be proposed for recognition."""
    import pytest
    from django.core.exceptions import ValidationError

    from workflows.dibao import services

    process = file_low_income(case_worker_a, region.village_a, members=elderly_couple("600.00"))
    process = accept(process, case_worker_a)
    process = finance_check.finish(process)
    assert process.finance_outcome == "not_eligible"
    codes = [r["code"] for r in process.finance_result["reasons"]]
    assert "low_income_qualifies_for_dibao" in codes
    message = next(
        r["message"] for r in process.finance_result["reasons"] if r["code"] == "low_income_qualifies_for_dibao"
    )
    assert "最低生活保障" in message and "300.00" in message
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    with pytest.raises(ValidationError):
        services.dibao_propose(process=process, approve=True, note="", actor=case_worker_a)


def test_a_household_above_both_categories_is_refused_and_no_benefit_opens(
    region, low_income_rule, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check
):
    """LB24: at 800 per person (above 1.5x = 600) and no essential spending above income,
    neither category applies: the check says so, and a refusal opens no benefit."""
    members = [member("孙一", birth=datetime.date(1950, 3, 1), seq=601, income="1600.00", income_kind="transfer"),
               member("孙二", relation="spouse", birth=datetime.date(1951, 3, 1), seq=602)]  # fmt: skip
    process = file_low_income(case_worker_a, region.village_a, members=members)
    process = accept(process, case_worker_a)
    process = finance_check.finish(process)
    assert process.finance_outcome == "not_eligible"
    codes = {r["code"] for r in process.finance_result["reasons"] if r["severity"] == "disqualifying"}
    assert {"low_income_above_multiple", "low_income_spending_not_above"} <= codes
    assert process.finance_result["low_income"]["category"] == ""
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a, approve=False)
    process = sign_all(
        process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["不符合低收入家庭认定条件"]
    )
    assert process.decision == Decision.REFUSED
    assert not Benefit.objects.filter(source_case_id=process.pk).exists()


def test_payment_rolls_leave_recognised_households_out(
    region, low_income_rule, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check,
    monkeypatch,
):  # fmt: skip
    """LI23, YKT19: a recognition pays nothing, so the township's monthly roll (generated from
    the benefits in force) lists the dibao household next to it and not the recognised one."""
    from tests.caseload.test_payroll import open_benefit
    from workflows.payroll import services as payroll

    process = _recognised(region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch)
    recognised = Benefit.objects.get(source_case_id=process.pk)
    paid = open_benefit(region.township_a, amount="600.00", starts=recognised.starts)
    monkeypatch.setattr(payroll, "_today", lambda: recognised.starts.replace(day=20))
    roll = payroll.roll_generate(township=region.township_a, month=recognised.starts, actor=approver_a)

    households = set(roll.lines.values_list("household_id", flat=True))
    assert paid.household_id in households
    assert recognised.household_id not in households
    assert roll.lines.filter(programme="low_income").count() == 0

"""Fixtures for the caseload tests: cases approved through the real dibao / 特困 flow, and
benefits opened directly for the rules that do not need a whole case."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests import factories
from tests.dibao.conftest import (  # noqa: F401 - fixtures
    accept,
    approver_a2,
    county_officer2,
    fake_finance_check,
    file_case,
    home_visit,
    pass_notice,
    propose,
    sign_all,
)
from tests.skeleton.test_flow import open_case
from workflows.caseload.models import Benefit, BenefitChange, BenefitKind, BenefitStatus, ChangeKind, Ground


def approve_through_flow(process, fake_finance_check, monkeypatch, worker, worker2, chief, head, **visit):  # noqa: F811
    """Drive a filed case to the township head's approval (fake finance check, 7-day notice)."""
    process = fake_finance_check.finish(accept(process, worker), per_capita_income="0.00")
    process = home_visit(process, worker, worker, worker2, **visit)
    process = propose(process, worker)
    process = pass_notice(process, monkeypatch)
    return sign_all(process, worker, chief, head)


@pytest.fixture
def approved_dibao(region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch):  # noqa: F811
    """A dibao case approved through the real flow (two members aged 56 and 54)."""
    process = file_case(case_worker_a, region.village_a)
    return approve_through_flow(
        process, fake_finance_check, monkeypatch, case_worker_a, case_worker_a2, approver_a, approver_a2
    )


def open_benefit(worker, village, *, amount="600.00", starts=datetime.date(2027, 1, 1), kind=BenefitKind.MONTHLY, **kw):
    """A benefit in force opened the way ``benefit_open`` records it (history row included),
    on a light (skeleton) case of ``village`` opened by ``worker`` so that letters have a case."""
    process = open_case(worker, village, summary="在保测试")
    household = factories.HouseholdFactory(village=village)
    factories.MemberFactory(household=household, name="赵大勇")
    benefit = Benefit.objects.create(
        household=household, programme="dibao", kind=kind, monthly_amount=Decimal(amount), starts=starts,
        status=BenefitStatus.IN_FORCE, county=village.township.county, township=village.township,
        source_case=process, case_number=process.case_number, **kw,
    )  # fmt: skip
    BenefitChange.objects.create(
        benefit=benefit, kind=ChangeKind.OPEN, ground=Ground.APPROVED, reasons="经审核确认享受。",
        new_amount=Decimal(amount), new_status=BenefitStatus.IN_FORCE, decided_on=starts - datetime.timedelta(days=5),
        effective_month=starts,
    )  # fmt: skip
    return benefit

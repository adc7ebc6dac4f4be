"""A correction of a rule version never changes the figures of a case already proposed
(issue 15 item 4): the case keeps the standard recorded on it."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from tests.factories import UserFactory
from workflows.core.models import DibaoStandard
from workflows.core.models.rules import Area, Period
from workflows.core.rule_versions import rule_version_create
from workflows.dibao import services
from workflows.dibao.models import Decision, DibaoProcess

from .conftest import accept, do, file_case, home_visit, pass_notice, propose, sign_all


def _correct_rural_standard(region, yearly: str):
    admin = UserFactory(username="rules_admin", is_staff=True, is_superuser=True)
    in_force = DibaoStandard.objects.in_force(county=region.county, area=Area.RURAL)
    return rule_version_create(
        version=DibaoStandard(
            county=region.county, area=Area.RURAL, period=Period.YEARLY, amount=Decimal(yearly),
            effective_from=timezone.localdate(), corrects=in_force, correction_reason="标准文件金额录入错误",
        ),
        actor=admin,
    )  # fmt: skip


def test_a_correction_leaves_a_proposed_case_unchanged_through_a_new_opinion_and_the_decision(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch
):
    """MSL 23: a case proposed at (400 − 100) × 2 = 600.00 keeps 600.00 and its standard after
    the administrator corrects the standard (effective today, the case's acceptance day):
    a new opinion after an objection and the approval use the version recorded on the case.
    A case accepted after the correction gets the corrected standard."""
    process = accept(file_case(case_worker_a, region.village_a), case_worker_a)
    process = fake_finance_check.finish(process, per_capita_income="100.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    assert process.proposed_amount == Decimal("600.00")
    old_standard = process.standard_id

    correction = _correct_rural_standard(region, "6000.00")  # 500.00 a month
    assert DibaoStandard.objects.in_force(county=region.county, area=Area.RURAL, on=process.accepted_on) == correction

    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.proposed_amount == Decimal("600.00") and process.standard_id == old_standard
    # an objection: re-investigation and a new opinion still use the recorded version
    services.objection_record(notice=process.current_notice, content="其子在外务工", anonymous=True)
    process = pass_notice(DibaoProcess.objects.get(pk=process.pk), monkeypatch)
    process = do(process, "choose_objection_route", approver_a, services.objection_route_choose, route="reinvestigate")
    process = do(
        process, "re_investigate", case_worker_a2, services.home_visit_record, investigator_1=case_worker_a2,
        investigator_2=case_worker_a, visited_on=datetime.date.today(), findings="其子已分户。",
        family_signatories="张三", reinvestigation=True, resolution="异议不成立",
    )  # fmt: skip
    process = propose(process, case_worker_a)
    assert process.proposed_amount == Decimal("600.00") and process.standard_id == old_standard
    assert process.amount_computation["formula"] == "(400.00 − 100.00) × 2 = 600.00"
    process = pass_notice(process, monkeypatch)
    process = sign_all(process, case_worker_a, approver_a, approver_a2)
    assert process.decision == Decision.APPROVED and process.monthly_amount == Decimal("600.00")

    later = accept(file_case(case_worker_a, region.village_a), case_worker_a)
    later = fake_finance_check.finish(later, per_capita_income="100.00")
    later = home_visit(later, case_worker_a, case_worker_a, case_worker_a2)
    later = propose(later, case_worker_a)
    assert later.proposed_amount == Decimal("800.00")  # (500 − 100) × 2
    assert later.standard_id == correction.pk

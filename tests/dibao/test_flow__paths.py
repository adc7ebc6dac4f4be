"""End-to-end paths of the dibao and 特困 flows (domain.md §2-5)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from workflows.dibao import services
from workflows.dibao.models import Decision, DibaoProcess, StaffKinRecord

from .conftest import (
    accept,
    audit_actions,
    do,
    file_case,
    finished_nodes,
    home_visit,
    member,
    pass_notice,
    propose,
    sign_all,
)

HEAD = ["start", "accept", "has_missing_materials", "request_check", "await_finance_check", "home_visit",
        "needs_county_visit", "propose", "is_direct_return", "goes_to_notice", "post_notice", "notice_period", "has_objection"]  # fmt: skip
SIGN = ["sign_handler", "sign_section_chief", "sign_township_head", "is_approved"]
# the audit trail of a case from the preliminary opinion to the approval
# (the notice and the letter are rendered after their transaction commits: issue 19)
NOTICE_AUDIT = ["dibao.propose", "dibao.notice_posted", "document.issued"]
APPROVAL_AUDIT = ["dibao.sign_handler", "dibao.sign_section_chief", "dibao.decide",
                  "dibao.approval_issued", "dibao.sampling_pool", "document.issued"]  # fmt: skip


def test_approve_path(region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch):
    """Filing -> acceptance -> check -> home visit -> opinion -> 7-day notice without
    objection -> three signatures -> approval; payment from the next month (MSL 21),
    amount = (standard - per-capita income) x size (MSL 23), case joins the sampling pool."""
    members = [member(income="200.00"), member("李四", relation="spouse", birth=datetime.date(1972, 5, 2), seq=202)]
    process = file_case(case_worker_a, region.village_a, members=members)
    assert process.case_number.startswith("DB-990101001-")
    process = accept(process, case_worker_a)
    assert len(finance_check.requests) == 1 and finance_check.requests[0].purpose == "dibao"
    process = finance_check.finish(process)
    assert process.finance_outcome == "eligible"
    assert process.finance_result["per_capita_income"] == "100.00"
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    assert process.proposed_amount == Decimal("600.00")  # (400 - 100) x 2
    assert process.amount_computation["formula"] == "(400.00 − 100.00) × 2 = 600.00"
    assert process.notice_round == 1
    process = pass_notice(process, monkeypatch)
    process = sign_all(process, case_worker_a, approver_a, approver_a2)

    assert process.status == "DONE"
    assert process.decision == Decision.APPROVED
    assert process.monthly_amount == Decimal("600.00")
    assert process.payment_starts == services.payment_start_for(process.decided_on)
    assert process.payment_starts.day == 1 and process.payment_starts > process.decided_on
    assert process.sampling_pool_since is not None
    from workflows.sampling.models import ApprovalRecord

    record = ApprovalRecord.objects.get(process_id=process.pk)
    assert record.monthly_amount == Decimal("600.00") and record.staff_relative is False
    assert finished_nodes(process) == HEAD + SIGN + ["approve", "end_approved"]
    assert audit_actions(process) == [
        "dibao.file", "dibao.accept", "dibao.check_requested", "dibao.check_recorded", "dibao.home_visit",
        "dibao.propose", "dibao.notice_posted", "document.issued", "dibao.sign_handler",
        "dibao.sign_section_chief", "dibao.decide", "dibao.approval_issued", "dibao.sampling_pool",
        "document.issued",
    ]  # fmt: skip


def test_refuse_path(region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check):
    """A not-eligible check -> opinion to refuse (no notice) -> signatures -> refusal
    letter with reasons within 3 working days (MSL 21, 38)."""
    members = [member(income="900.00"), member("李四", relation="spouse", birth=datetime.date(1972, 5, 2), seq=202)]
    process = file_case(case_worker_a, region.village_a, members=members)
    process = accept(process, case_worker_a)
    process = finance_check.finish(process)
    assert process.finance_outcome == "not_eligible"
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a, approve=False)
    process = sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["人均收入高于低保标准"])

    assert process.status == "DONE"
    assert process.decision == Decision.REFUSED
    assert process.refusal_reasons == ["人均收入高于低保标准"]
    assert process.letter_issued_on <= process.letter_due_on
    assert process.monthly_amount is None
    assert finished_nodes(process) == [
        "start", "accept", "has_missing_materials", "request_check", "await_finance_check", "home_visit",
        "needs_county_visit", "propose", "is_direct_return", "goes_to_notice", *SIGN, "refuse", "end_refused",
    ]  # fmt: skip
    assert audit_actions(process) == [
        "dibao.file", "dibao.accept", "dibao.check_requested", "dibao.check_recorded",
        "document.issued", "dibao.check_failure_notice",  # MSL 18: the failed check is told to the applicant
        "dibao.home_visit",
        "dibao.propose", "dibao.sign_handler", "dibao.sign_section_chief", "dibao.decide",
        "dibao.refusal_issued", "document.issued",
    ]  # fmt: skip


def test_objection_reinvestigation_new_notice_approve(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch
):
    """An anonymous objection during the notice blocks the decision (MSL 19), extends
    the deadline to 45 working days (N22 4(1)), goes to re-investigation, a new
    opinion and a second 7-day notice, then approval."""
    process = file_case(case_worker_a, region.village_a)
    process = accept(process, case_worker_a)
    process = finance_check.finish(process)
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    services.objection_record(notice=process.current_notice, content="其子在外务工收入较高", anonymous=True)
    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.extension_reason == "objection"
    assert process.extended_due_on > process.due_on
    process = pass_notice(process, monkeypatch)
    process = do(process, "choose_objection_route", approver_a, services.objection_route_choose, route="reinvestigate")
    process = do(
        process, "re_investigate", case_worker_a2, services.home_visit_record, investigator_1=case_worker_a2,
        investigator_2=case_worker_a, visited_on=datetime.date.today(), findings="其子已分户，收入不计入。",
        family_signatories="张三", reinvestigation=True, resolution="异议不成立",
    )  # fmt: skip
    assert not process.unresolved_objections().exists()
    process = propose(process, case_worker_a)
    assert process.notice_round == 2
    process = pass_notice(process, monkeypatch)
    process = sign_all(process, case_worker_a, approver_a, approver_a2)

    assert process.decision == Decision.APPROVED
    assert finished_nodes(process) == [
        *HEAD,
        "choose_objection_route", "route_is_reinvestigation", "re_investigate", "propose", "is_direct_return", "goes_to_notice",
        "post_notice", "notice_period", "has_objection", *SIGN, "approve", "end_approved",
    ]  # fmt: skip
    assert audit_actions(process) == [
        "dibao.file", "dibao.accept", "dibao.check_requested", "dibao.check_recorded", "dibao.home_visit",
        *NOTICE_AUDIT, "dibao.objection", "dibao.objection_route", "dibao.reinvestigate",
        "dibao.objections_resolved", *NOTICE_AUDIT, *APPROVAL_AUDIT,
    ]  # fmt: skip


def test_missing_materials_then_completed(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch
):
    """Missing materials are told once, all together (MSL 10); after they arrive the
    case is accepted and runs to approval."""
    process = file_case(case_worker_a, region.village_a)
    process = accept(process, case_worker_a, missing=["income_proof", "id_cards"])
    assert process.accepted_on is None and process.missing_notified_on is not None
    assert finance_check.requests == []
    process = do(process, "complete_materials", case_worker_a, services.dibao_complete_materials,
                 received=["income_proof", "id_cards"])  # fmt: skip
    process = accept(process, case_worker_a)
    assert process.accepted_on is not None and process.due_on is not None
    process = finance_check.finish(process)
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    process = pass_notice(process, monkeypatch)
    process = sign_all(process, case_worker_a, approver_a, approver_a2)

    assert process.decision == Decision.APPROVED
    assert finished_nodes(process) == [
        "start", "accept", "has_missing_materials", "notify_missing", "complete_materials", *HEAD[1:], *SIGN,
        "approve", "end_approved",
    ]  # fmt: skip
    assert audit_actions(process) == [
        "dibao.file", "dibao.materials_missing", "dibao.missing_notice", "dibao.materials_completed", "dibao.accept",
        "dibao.check_requested", "dibao.check_recorded", "dibao.home_visit", *NOTICE_AUDIT, *APPROVAL_AUDIT,
    ]  # fmt: skip


def test_staff_relative_needs_county_visit_then_approve(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, county_officer, county_officer2,
    finance_check, monkeypatch,
):  # fmt: skip
    """A member found on the staff-relative register flags the case (MSL 11); the
    county does its own home visit before approval (MSL 20); the related staff
    member is excluded from every step of the case."""
    applicant = member()
    StaffKinRecord.objects.create(
        township=region.township_a, staff_name="赵经办", staff_user=case_worker_a2, position="case_handler",
        relative_name=applicant.name, relative_id_number=applicant.id_number, relation="sibling",
    )  # fmt: skip
    process = file_case(case_worker_a, region.village_a, members=[applicant])
    assert process.staff_relative and process.staff_relative_user_ids == [case_worker_a2.pk]
    assert case_worker_a2.pk in process.excluded_actor_ids("home_visit")
    process = accept(process, case_worker_a)
    process = finance_check.finish(process)
    process = home_visit(process, case_worker_a, case_worker_a, approver_a)
    process = do(
        process, "county_home_visit", county_officer, services.home_visit_record, investigator_1=county_officer,
        investigator_2=county_officer2, visited_on=datetime.date.today(), findings="县级核查属实。",
        family_signatories="张三", county=True,
    )  # fmt: skip
    assert process.county_visit_done
    process = propose(process, case_worker_a)
    process = pass_notice(process, monkeypatch)
    approver_a3 = __import__("tests.conftest", fromlist=["_staff"])._staff("approver_a3", "approver", region.township_a)
    process = sign_all(process, case_worker_a, approver_a2, approver_a3)

    assert process.decision == Decision.APPROVED
    assert finished_nodes(process) == [
        *HEAD[:7], "county_home_visit", *HEAD[7:], *SIGN, "approve", "end_approved",
    ]  # fmt: skip
    assert audit_actions(process) == [
        "dibao.file", "dibao.staff_relative_registered", "dibao.accept", "dibao.check_requested",
        "dibao.check_recorded", "dibao.home_visit", "dibao.county_home_visit", *NOTICE_AUDIT, *APPROVAL_AUDIT,
    ]  # fmt: skip
    from workflows.sampling.models import ApprovalRecord

    assert ApprovalRecord.objects.get(process_id=process.pk).staff_relative is True  # county reviews all (MSL 20)


def test_tekun_approve_path(region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch):
    """特困: intake captures TK 4-8, the home visit confirms them, the township decides
    within 20 working days (TK 13) after a 7-day notice (TK 15)."""
    process = file_case(case_worker_a, region.village_a, programme="tekun")
    assert process.case_number.startswith("TK-")
    assert process.flow_class.__name__ == "TekunFlow"
    process = accept(process, case_worker_a, delegated=False)
    assert process.due_on == services.due_date(accepted_on=process.accepted_on, programme="tekun",
                                               delegated=False, extended=False)  # fmt: skip
    assert finance_check.requests[0].purpose == "tekun"
    process = finance_check.finish(process, per_capita_income="0.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2, tekun_confirmed=True)
    process = propose(process, case_worker_a)
    assert process.proposed_amount == Decimal("520.00")  # 400 x 1.3 x 1
    process = pass_notice(process, monkeypatch)
    process = sign_all(process, case_worker_a, approver_a, approver_a2)

    assert process.decision == Decision.APPROVED and process.programme == "tekun"
    assert finished_nodes(process) == HEAD + SIGN + ["approve", "end_approved"]
    assert audit_actions(process) == [
        "dibao.file", "dibao.accept", "dibao.check_requested", "dibao.check_recorded", "dibao.home_visit",
        *NOTICE_AUDIT, *APPROVAL_AUDIT,
    ]  # fmt: skip


def test_tekun_not_confirmed_at_the_visit_cannot_be_proposed_for_approval(
    region, case_worker_a, case_worker_a2, fake_finance_check
):
    """TK 4-8: the three conditions claimed at intake must be confirmed by the home visit;
    unconfirmed, an opinion to grant is refused (nothing changes) and only a refusal may
    be proposed."""
    import pytest
    from django.core.exceptions import ValidationError

    process = fake_finance_check.finish(
        accept(file_case(case_worker_a, region.village_a, programme="tekun"), case_worker_a),
        per_capita_income="0.00",
    )
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2, tekun_confirmed=False)
    assert process.meets_tekun_criteria() and process.tekun_confirmed is False
    with pytest.raises(ValidationError) as exc:
        services.dibao_propose(process=process, approve=True, note="x", actor=case_worker_a)
    assert services.ERR_TEKUN_NOT_CONFIRMED in exc.value.messages
    assert DibaoProcess.objects.get(pk=process.pk).proposes_approval is None
    process = propose(process, case_worker_a, approve=False)
    assert process.proposes_approval is False and process.notice_round == 0

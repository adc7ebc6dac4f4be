"""MSL 18: a failed data check is told to the applicant with the reasons; an objection with
evidence starts a new check, and the old check and its evidence stay as they were."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.documents.glyphs import pdf_text_compact
from workflows.dibao import services
from workflows.dibao.models import CheckObjection, DibaoProcess

from .conftest import PDF, accept, audit_actions, file_case, home_visit, member, propose, upload

STATEMENT = "丈夫已于上月失业，工资收入已停止"


@pytest.fixture
def failed(region, case_worker_a, fake_finance_check):
    """A case whose data check found the household not eligible."""
    process = accept(file_case(case_worker_a, region.village_a), case_worker_a)
    return fake_finance_check.finish(process, outcome="not_eligible", per_capita_income="900.00")


def _url(process):
    return reverse("dibao:check_objection", kwargs={"process_pk": process.pk})


def test_msl_18_a_failed_check_is_told_to_the_applicant_with_reasons(failed):
    """MSL 18: the failed check's result is told to the applicant by a notice letter with the
    reasons and the right to object with evidence; recorded on the case and audited."""
    from workflows.documents.models import CaseDocument

    assert failed.check_failure_notified_on is not None
    assert "dibao.check_failure_notice" in audit_actions(failed)
    letter = CaseDocument.objects.get(process_id=failed.pk, filename__contains="-check-result-")
    text = pdf_text_compact(letter.file.read())
    assert "家庭经济状况核对结果告知书" in text and "收入低于标准" in text  # the check's reason
    assert "提供相关证明材料" in text and "第十八条" in text


def test_msl_18_an_eligible_check_sends_no_failure_notice(region, case_worker_a, fake_finance_check):
    """MSL 18: only a failed check is told as a failure."""
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    assert process.check_failure_notified_on is None
    assert "dibao.check_failure_notice" not in audit_actions(process)


def test_msl_18_an_objection_with_evidence_starts_a_new_check_and_keeps_the_old(
    failed, case_worker_a, case_worker_a2, fake_finance_check, client_for
):
    """MSL 18: the case worker records the objection with evidence from the case; a new check is
    requested (the old one is kept, referenced by the objection); no opinion until its result; the
    new result replaces the case's, and the case goes on."""
    client = client_for(case_worker_a)
    assert client.get(_url(failed)).status_code == 200
    response = client.post(_url(failed), {"statement": STATEMENT, "evidence": upload("失业证明.pdf")})
    assert response.status_code == 302
    process = DibaoProcess.objects.get(pk=failed.pk)
    objection = CheckObjection.objects.get(process=process)
    assert objection.old_check_id == failed.finance_check_id != objection.new_check_id == process.finance_check_id
    assert objection.evidence.read() == PDF
    assert process.recheck_pending and len(fake_finance_check.requests) == 2
    assert fake_finance_check.requests[0].pk == objection.old_check_id  # the old check is untouched
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    with pytest.raises(ValidationError) as exc:
        services.dibao_propose(process=process, approve=True, note="x", actor=case_worker_a)
    assert exc.value.messages == [str(services.ERR_RECHECK_PENDING)]

    process = fake_finance_check.finish(process, outcome="eligible", per_capita_income="100.00")
    assert process.finance_outcome == "eligible" and not process.recheck_pending
    assert process.finance_check_id == objection.new_check_id
    process = propose(process, case_worker_a)
    assert process.proposed_amount is not None and process.proposed_amount > 0
    assert audit_actions(process).count("dibao.check_recorded") == 2


def test_msl_18_the_real_recheck_keeps_the_old_evidence(region, case_worker_a, finance_check):
    """MSL 18 with the real check: the re-check is a new check with its own evidence; the old
    check's evidence rows are unchanged."""
    from django.test import TestCase

    from workflows.finance_check.models import RegistryEvidence

    members = [member(income="2000.00")]
    process = finance_check.finish(accept(file_case(case_worker_a, region.village_a, members=members), case_worker_a))
    assert process.finance_outcome == "not_eligible"
    old_id = process.finance_check_id
    old_rows = list(RegistryEvidence.objects.filter(check_process_id=old_id).order_by("pk").values())
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.check_objection_record(process=process, statement=STATEMENT, evidence=upload(), actor=case_worker_a)
    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.finance_check_id != old_id and not process.recheck_pending  # the re-check ran and was recorded
    assert list(RegistryEvidence.objects.filter(check_process_id=old_id).order_by("pk").values()) == old_rows
    assert RegistryEvidence.objects.filter(check_process_id=process.finance_check_id).count() == len(old_rows)


@pytest.mark.parametrize(("who", "status"), [("approver_a", 403), ("case_worker_b", 404)])
def test_msl_18_only_the_townships_case_worker_records_an_objection(failed, request, client_for, who, status):
    """Negative (MSL 18): an approver gets 403, another township's case worker 404; nothing changes."""
    client = client_for(request.getfixturevalue(who))
    assert client.post(_url(failed), {"statement": STATEMENT, "evidence": upload()}).status_code == status
    assert not CheckObjection.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"statement": STATEMENT}, "该字段是必填项"),
        ({"statement": "", "evidence": "file"}, "该字段是必填项"),
        ({"statement": STATEMENT, "evidence": "exe"}, "只能上传 PDF、JPG 或 PNG 文件"),
    ],
)
def test_msl_18_an_objection_needs_a_statement_and_evidence(failed, case_worker_a, client_for, data, message):
    """Negative (MSL 18): no statement, no evidence or a file that is not a document is refused
    with a translated message; no new check is requested."""
    if data.get("evidence") == "file":
        data["evidence"] = upload()
    elif data.get("evidence") == "exe":
        data["evidence"] = upload("x.exe", b"MZ\x90\x00")
    response = client_for(case_worker_a).post(_url(failed), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not CheckObjection.objects.exists()
    assert not DibaoProcess.objects.get(pk=failed.pk).recheck_pending


def test_msl_18_no_objection_to_an_eligible_check_and_the_service_checks_the_role(
    region, failed, case_worker_a, approver_a, fake_finance_check
):
    """Negative (MSL 18): an eligible check cannot be objected to; the service refuses a non-case-worker."""
    eligible = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    with pytest.raises(ValidationError):
        services.check_objection_record(process=eligible, statement=STATEMENT, evidence=upload(), actor=case_worker_a)
    with pytest.raises(PermissionDenied):
        services.check_objection_record(process=failed, statement=STATEMENT, evidence=upload(), actor=approver_a)


def test_msl_18_no_objection_once_the_opinion_is_given(failed, case_worker_a, case_worker_a2):
    """Negative (MSL 18): after the preliminary opinion the check's result is no longer reopened."""
    process = propose(home_visit(failed, case_worker_a, case_worker_a, case_worker_a2), case_worker_a, approve=False)
    with pytest.raises(ValidationError) as exc:
        services.check_objection_record(process=process, statement=STATEMENT, evidence=upload(), actor=case_worker_a)
    assert exc.value.messages == [str(services.ERR_CHECK_OBJECTION_NOT_FAILED)]

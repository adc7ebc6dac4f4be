"""The notice and the decision letter are rendered after their transaction commits (issue 19
item 1): the township head's decision (MSL 21) and the posting of the notice (MSL 19) render
no PDF while they hold the case; the letter the applicant downloads exists once they commit."""

from __future__ import annotations

import datetime

import pytest

from workflows.dibao import services
from workflows.dibao.models import NoticeRound
from workflows.documents.models import CaseDocument, PendingDocument
from workflows.portal.selectors import public_status

from .conftest import accept, do, file_case, home_visit, member, pass_notice


@pytest.fixture
def renders(monkeypatch):
    """Every PDF the dibao documents render (their one call into the renderer)."""
    import workflows.dibao.documents as dibao_documents

    calls = []
    real = dibao_documents.render_pdf

    def spy(template_name, context):
        calls.append(template_name)
        return real(template_name, context)

    monkeypatch.setattr(dibao_documents, "render_pdf", spy)
    return calls


def _to_decision(region, case_worker_a, case_worker_a2, approver_a, finance_check, monkeypatch, renders):
    members = [member(income="200.00"), member("李四", relation="spouse", birth=datetime.date(1972, 5, 2), seq=202)]
    process = accept(file_case(case_worker_a, region.village_a, members=members), case_worker_a)
    process = home_visit(finance_check.finish(process), case_worker_a, case_worker_a, case_worker_a2)
    return process


def test_notice_and_decision_render_no_pdf_in_their_transaction(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch, renders,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """MSL 19, 21: posting the notice and the township head's approval each record a pending
    document and render nothing before they commit; the job renders each after commit, the
    notice round then points at its PDF, and the applicant's status page offers the letter
    (meanwhile it says the letter is being prepared)."""
    process = _to_decision(region, case_worker_a, case_worker_a2, approver_a, finance_check, monkeypatch, renders)
    with django_capture_on_commit_callbacks(execute=False) as posted:
        process = do(process, "propose", case_worker_a, services.dibao_propose, approve=True, note="符合条件")
    assert renders == []
    notice = NoticeRound.objects.get(process=process)
    assert notice.document_id is None
    assert PendingDocument.objects.get(process_id=process.pk).status == PendingDocument.Status.PENDING
    for callback in posted:
        callback()
    notice.refresh_from_db()
    assert renders == ["pdf/dibao/notice.html"]
    assert CaseDocument.objects.get(pk=notice.document_id).kind == CaseDocument.Kind.PUBLIC_NOTICE

    process = pass_notice(process, monkeypatch)
    process = do(process, "sign_handler", case_worker_a, services.decision_sign, role="handler", opinion="同意")
    process = do(process, "sign_section_chief", approver_a, services.decision_sign, role="section_chief", opinion="同意")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False) as decided:
        process = do(process, "sign_township_head", approver_a2, services.dibao_decide, approve=True, reasons=[])
    assert process.status == "DONE" and process.letter_issued_on is not None
    assert renders == ["pdf/dibao/notice.html"], "the decision rendered a PDF inside its transaction"
    pending = PendingDocument.objects.get(process_id=process.pk, kind=CaseDocument.Kind.APPROVAL_LETTER)
    assert pending.status == PendingDocument.Status.PENDING
    status = public_status(process)
    assert status.letter_pending and status.letters == []

    for callback in decided:
        callback()
    pending.refresh_from_db()
    assert renders[-1] == "pdf/dibao/decision_letter.html" and len(renders) == 2
    assert pending.status == PendingDocument.Status.RENDERED and pending.document.verifiable
    status = public_status(process)
    assert not status.letter_pending and [letter.id for letter in status.letters] == [pending.document_id]


def test_a_failing_letter_never_fails_the_decision(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, monkeypatch, renders, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """MSL 21: the refusal stands even when its letter cannot be rendered; after the retries the
    letter is failed and listed for the township's office, who can ask again."""
    import workflows.dibao.documents as dibao_documents
    from workflows.workspace.selectors import failed_documents

    process = _to_decision(region, case_worker_a, case_worker_a2, approver_a, finance_check, monkeypatch, renders)
    process = do(process, "propose", case_worker_a, services.dibao_propose, approve=False, note="不符合")
    process = do(process, "sign_handler", case_worker_a, services.decision_sign, role="handler", opinion="同意")
    process = do(process, "sign_section_chief", approver_a, services.decision_sign, role="section_chief", opinion="同意")  # fmt: skip

    def broken(*args, **kwargs):
        raise OSError("renderer down")

    monkeypatch.setattr(dibao_documents, "render_pdf", broken)
    settings.DOCUMENT_RENDER_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        process = do(process, "sign_township_head", approver_a2, services.dibao_decide, approve=False,
                     reasons=["家庭人均收入高于当地低保标准"])  # fmt: skip
    assert process.status == "DONE" and process.decision == "refused"
    pending = PendingDocument.objects.get(process_id=process.pk, kind=CaseDocument.Kind.REFUSAL_LETTER)
    assert pending.status == PendingDocument.Status.FAILED and pending.attempts == 2
    assert [row.pk for row in failed_documents(approver_a2)] == [pending.pk]
    assert public_status(process).letter_pending

"""Documents rendered after commit (issue 19 item 1): the pending row, the Celery job, its
retries, the office's list of failed renders and its retry button."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.documents.conftest import FAKE_PDF
from workflows.core.models import AuditEvent
from workflows.documents import services, tasks
from workflows.documents.models import CaseDocument, PendingDocument
from workflows.documents.rendering import RENDERERS, Prepared, register
from workflows.documents.selectors import pending_documents_for_case
from workflows.workspace.selectors import failed_document_count, failed_documents

RENDERER = "tests.letter"


@pytest.fixture
def renderer():
    """A registered test renderer whose behaviour each test sets: ``outcomes`` is consumed one
    per attempt (an exception instance is raised, bytes are returned); ``calls`` counts them."""
    state = {"outcomes": [], "calls": 0, "urls": []}

    def prepare(params):
        def render(url):
            state["calls"] += 1
            state["urls"].append(url)
            outcome = state["outcomes"].pop(0) if state["outcomes"] else FAKE_PDF
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        return Prepared(render=render, applicant_name="张三丰")

    register(RENDERER, prepare=prepare, verifiable=True)
    yield state
    RENDERERS.pop(RENDERER, None)


def ask(case, actor):
    return services.document_request(
        process_id=case.pk,
        kind=CaseDocument.Kind.REFUSAL_LETTER,
        filename="决定书.pdf",
        renderer=RENDERER,
        params={"case": case.pk},
        actor=actor,
    )


def test_request_renders_nothing_until_commit_then_the_job_renders_and_records(
    case_a, case_worker_a, renderer, django_capture_on_commit_callbacks
):
    """Asking records a pending row and renders nothing in the asking transaction; after
    commit the job renders it with its QR verification URL, stores the CaseDocument (masked
    name only) and marks the row rendered, audited as document.issued on the case."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = ask(case_a, case_worker_a)
        assert renderer["calls"] == 0
    assert row.status == PendingDocument.Status.PENDING and len(callbacks) == 1
    assert list(pending_documents_for_case(case_a.pk)) == [row]
    callbacks[0]()

    row.refresh_from_db()
    assert row.status == PendingDocument.Status.RENDERED and row.attempts == 1 and row.last_error == ""
    document = row.document
    assert document.kind == CaseDocument.Kind.REFUSAL_LETTER and document.verifiable
    assert renderer["urls"] == [f"/verify/{document.token}/"]
    assert document.holder_masked == "张*丰" and document.file.read() == FAKE_PDF
    assert list(pending_documents_for_case(case_a.pk)) == []
    assert AuditEvent.objects.filter(process_id=case_a.pk, action="document.issued").count() == 1


def test_redelivered_job_does_nothing(case_a, case_worker_a, renderer, django_capture_on_commit_callbacks):
    """acks_late: a job delivered again after it rendered finds the row rendered and skips;
    still one stored document and one render."""
    with django_capture_on_commit_callbacks(execute=True):
        row = ask(case_a, case_worker_a)
    assert tasks.render_document.apply(args=[row.pk]).get() == "skipped"
    assert services.document_render(pending_pk=row.pk) == "skipped"
    assert renderer["calls"] == 1
    assert CaseDocument.objects.filter(process_id=case_a.pk).count() == 1


def test_a_failed_attempt_is_retried_and_the_second_one_renders(
    case_a, case_worker_a, renderer, django_capture_on_commit_callbacks
):
    """One failure is counted and retried (eager Celery retries at once); the retry renders."""
    renderer["outcomes"] = [RuntimeError("font cache")]
    with django_capture_on_commit_callbacks(execute=True):
        row = ask(case_a, case_worker_a)
    row.refresh_from_db()
    assert renderer["calls"] == 2
    assert row.status == PendingDocument.Status.RENDERED and row.attempts == 2 and row.document_id


def test_a_render_failing_every_time_becomes_visible_to_the_office(
    case_a, case_worker_a, case_worker_b, renderer, settings, client_for, django_capture_on_commit_callbacks
):
    """After DOCUMENT_RENDER_ATTEMPTS failures the row is failed (no exception reaches the
    asker), audited as document.render_failed with the error's class only, and listed in
    "文书生成失败" for the case's township, not for another township."""
    settings.DOCUMENT_RENDER_ATTEMPTS = 3
    renderer["outcomes"] = [RuntimeError("张三丰 110101199003071234")] * 5
    with django_capture_on_commit_callbacks(execute=True):
        row = ask(case_a, case_worker_a)
    row.refresh_from_db()
    assert renderer["calls"] == 3
    assert row.status == PendingDocument.Status.FAILED and row.attempts == 3 and row.last_error == "RuntimeError"
    event = AuditEvent.objects.get(process_id=case_a.pk, action="document.render_failed")
    assert event.data["attempts"] == 3 and "张三丰" not in str(event.data)
    assert not CaseDocument.objects.filter(process_id=case_a.pk).exists()

    assert [r.pk for r in failed_documents(case_worker_a)] == [row.pk] and failed_document_count(case_worker_a) == 1
    assert failed_documents(case_worker_b) == [] and failed_document_count(case_worker_b) == 0
    page = client_for(case_worker_a).get(reverse("workspace:document_failures"))
    assert page.status_code == 200
    assert case_a.case_number in page.content.decode() and "重新生成" in page.content.decode()
    inbox = client_for(case_worker_a).get(reverse("workspace:inbox")).content.decode()
    assert 'id="ws-count-failed-documents">1<' in inbox
    case_page = client_for(case_worker_a).get(reverse("workspace:case", args=[case_a.pk])).content.decode()
    assert "生成失败" in case_page


def test_office_retries_a_failed_document_from_the_list(
    case_a, case_worker_a, renderer, settings, client_for, django_capture_on_commit_callbacks
):
    """The retry button makes the row pending again with its attempts reset, audits it and
    queues the job, which now renders the document."""
    settings.DOCUMENT_RENDER_ATTEMPTS = 2
    renderer["outcomes"] = [RuntimeError("x"), RuntimeError("x")]
    with django_capture_on_commit_callbacks(execute=True):
        row = ask(case_a, case_worker_a)
    row.refresh_from_db()
    assert row.status == PendingDocument.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(case_worker_a).post(reverse("workspace:document_retry"), {"pk": row.pk})
    assert response.status_code == 302 and response.url == reverse("workspace:document_failures")
    row.refresh_from_db()
    assert row.status == PendingDocument.Status.RENDERED and row.attempts == 1 and row.document_id
    assert AuditEvent.objects.filter(process_id=case_a.pk, action="document.render_retried").count() == 1
    assert failed_documents(case_worker_a) == []


def test_retry_is_refused_outside_the_township_and_for_a_document_not_failed(
    case_a, case_worker_a, case_worker_b, renderer, settings, client_for, django_capture_on_commit_callbacks
):
    """Staff of another township get 404 from the button and PermissionDenied from the
    service; a pending or rendered document cannot be 'retried'."""
    settings.DOCUMENT_RENDER_ATTEMPTS = 1
    renderer["outcomes"] = [RuntimeError("x")]
    with django_capture_on_commit_callbacks(execute=True):
        row = ask(case_a, case_worker_a)
    row.refresh_from_db()
    assert client_for(case_worker_b).post(reverse("workspace:document_retry"), {"pk": row.pk}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.document_render_retry(pending=row, actor=case_worker_b)
    row.refresh_from_db()
    assert row.status == PendingDocument.Status.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        rendered = ask(case_a, case_worker_a)
    with pytest.raises(ValidationError):
        services.document_render_retry(pending=rendered, actor=case_worker_a)


def test_request_refuses_an_unknown_renderer_or_kind(case_a, case_worker_a, renderer):
    """A typo fails in the asking service, not later in the worker."""
    from workflows.documents.rendering import UnknownRenderer

    with pytest.raises(UnknownRenderer):
        services.document_request(
            process_id=case_a.pk, kind="refusal_letter", filename="a.pdf", renderer="nope", params={}, actor=None
        )
    with pytest.raises(ValidationError):
        services.document_request(
            process_id=case_a.pk, kind="nope", filename="a.pdf", renderer=RENDERER, params={}, actor=None
        )


def test_sweep_requeues_only_stale_pending_documents(
    case_a, case_worker_a, renderer, django_capture_on_commit_callbacks
):
    """A job whose publish was lost is sent again by the periodic sweep; fresh rows wait for
    their own job."""
    import datetime

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):
        stale = ask(case_a, case_worker_a)
        fresh = ask(case_a, case_worker_a)
    PendingDocument.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=30))
    assert tasks.requeue_pending_documents.apply(kwargs={"older_than_minutes": 5}).get() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == PendingDocument.Status.RENDERED and fresh.status == PendingDocument.Status.PENDING

"""CaseDocument: issuing, storing, immutability, superseding, audit."""

import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.documents.conftest import FAKE_PDF
from workflows.core.audit import verify_chain
from workflows.core.driving import start_case
from workflows.core.models import AuditEvent
from workflows.documents import services
from workflows.documents.models import ERR_IMMUTABLE, CaseDocument, mask_name
from workflows.documents.selectors import documents_for_case
from workflows.skeleton import services as skeleton_services
from workflows.skeleton.flows import SkeletonFlow


def issue(case, actor, kind=CaseDocument.Kind.REFUSAL_LETTER, **kwargs):
    seen = []

    def render(url):
        seen.append(url)
        return FAKE_PDF + url.encode()

    document = services.document_issue(
        process_id=case.pk, kind=kind, filename="决定书.pdf", render=render, actor=actor, **kwargs
    )
    return document, seen


def test_issue_renders_with_the_verification_url_and_stores_the_file(case_a, case_worker_a):
    """document_issue draws the token first and passes /verify/<token>/ to the renderer;
    the stored file, size and SHA-256 are those of the rendered bytes; the row keeps the
    case number, township and only the masked applicant name."""
    document, seen = issue(case_a, case_worker_a, applicant_name="张三丰")
    assert seen == [f"/verify/{document.token}/"]
    content = document.file.read()
    assert content == FAKE_PDF + seen[0].encode()
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.verifiable is True
    assert (document.case_number, document.township_name) == (case_a.case_number, "青山镇")
    assert document.holder_masked == "张*丰"
    assert "张三丰" not in str(CaseDocument.objects.filter(pk=document.pk).values().get())
    assert document.created_by == case_worker_a


def _case_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if re.search(r'FROM "(viewflow_process|skeleton_\w+|core_township)"', q["sql"])]


def test_issue_with_the_callers_case_records_the_same_snapshot_without_reading_the_case(case_a, case_worker_a):
    """Given the caller's own instance of the case (its service's or renderer's), the document
    records the same case number and township and reads neither the case nor, when the
    instance came with it, the township (issue 19: three reads per document before)."""
    case = SkeletonFlow.process_class.objects.select_related("township").get(pk=case_a.pk)
    with CaptureQueriesContext(connection) as ctx:
        document = services.document_issue(
            process_id=case_a.pk, kind=CaseDocument.Kind.REFUSAL_LETTER, filename="决定书.pdf",
            render=lambda url: FAKE_PDF, actor=case_worker_a, applicant_name="张三丰", case=case,
        )  # fmt: skip
    assert (document.case_number, document.township_name) == (case_a.case_number, "青山镇")
    assert _case_reads(ctx.captured_queries) == []


def test_issue_without_the_case_or_with_another_reads_it(region, case_a, case_worker_a):
    """Without an instance, or with one of another case, the case is read: the snapshot is
    always the case the document belongs to."""
    other = start_case(
        SkeletonFlow.start,
        user=case_worker_a,
        perform=lambda p: skeleton_services.case_open(
            process=p, village=region.village_a, summary="另一件", actor=case_worker_a
        ),
    )
    for kwargs in ({}, {"case": other}):
        with CaptureQueriesContext(connection) as ctx:
            document = services.document_issue(
                process_id=case_a.pk, kind=CaseDocument.Kind.REFUSAL_LETTER, filename="决定书.pdf",
                render=lambda url: FAKE_PDF, actor=case_worker_a, applicant_name="张三丰", **kwargs,
            )  # fmt: skip
        assert (document.case_number, document.township_name) == (case_a.case_number, "青山镇")
        assert _case_reads(ctx.captured_queries), kwargs


def test_verification_url_uses_public_base_url(case_a, case_worker_a, settings):
    """With PUBLIC_BASE_URL configured the QR carries an absolute URL a phone can open."""
    settings.PUBLIC_BASE_URL = "https://jiuzhu.example.gov.cn/"
    document, seen = issue(case_a, case_worker_a)
    assert seen == [f"https://jiuzhu.example.gov.cn/verify/{document.token}/"]


def test_token_is_random_url_safe_and_at_least_128_bits(case_a, case_worker_a):
    """Tokens are URL-safe base64 of 192 random bits and differ per document."""
    tokens = {issue(case_a, case_worker_a)[0].token for _ in range(3)}
    assert len(tokens) == 3
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)  # 32 chars * 6 bits = 192 bits


def test_issue_is_audited_without_personal_data(case_a, case_worker_a):
    """ "document.issued" lands on the case chain with kind and SHA-256, never the name or file name."""
    document, _ = issue(case_a, case_worker_a, applicant_name="张三丰")
    event = AuditEvent.objects.get(chain=f"case:{case_a.pk}", action="document.issued")
    assert event.process_id == case_a.pk
    assert event.actor == case_worker_a
    assert event.data == {
        "document": document.pk,
        "kind": "refusal_letter",
        "sha256": document.sha256,
        "size": document.size,
        "qr": True,
    }
    assert "张" not in str(event.data) and "决定书" not in str(event.data)
    assert verify_chain(f"case:{case_a.pk}") is None


def test_store_keeps_a_document_without_qr(case_a, case_worker_a):
    """document_store stores given bytes (e.g. a notice) and audits it the same way."""
    document = services.document_store(
        process_id=case_a.pk, kind="public_notice", filename="公示.pdf", content=FAKE_PDF, actor=case_worker_a
    )
    assert document.verifiable is False
    assert document.file.read() == FAKE_PDF
    assert list(documents_for_case(case_a.pk)) == [document]
    assert AuditEvent.objects.filter(chain=f"case:{case_a.pk}", action="document.issued").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"kind": "diary"}, services.ERR_UNKNOWN_KIND),
        ({"content": b""}, services.ERR_EMPTY_CONTENT),
        ({"process_id": 987654321}, services.ERR_NO_CASE),
    ],
)
def test_store_refuses_bad_input(case_a, case_worker_a, kwargs, error):
    """Unknown kind, empty content or an unknown case are refused and nothing is stored."""
    args = {"process_id": case_a.pk, "kind": "other", "filename": "x.pdf", "content": FAKE_PDF, **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.document_store(actor=case_worker_a, **args)
    assert exc.value.messages == [str(error)]
    assert not CaseDocument.objects.exists()


def test_document_is_immutable(case_a, case_worker_a):
    """A stored document cannot be edited or deleted (only superseded_by may be set, once)."""
    document, _ = issue(case_a, case_worker_a)
    document.sha256 = "0" * 64
    with pytest.raises(PermissionError, match=str(ERR_IMMUTABLE)):
        document.save()
    document = CaseDocument.objects.get(pk=document.pk)
    document.kind = CaseDocument.Kind.APPROVAL_LETTER
    with pytest.raises(PermissionError):
        document.save()
    document = CaseDocument.objects.get(pk=document.pk)
    with pytest.raises(PermissionError):
        document.save()  # a no-op save is not allowed either: nothing to change
    with pytest.raises(PermissionError):
        document.delete()
    assert CaseDocument.objects.get(pk=document.pk).kind == CaseDocument.Kind.REFUSAL_LETTER


def test_supersede_sets_the_pointer_once_and_is_audited(case_a, case_worker_a):
    """A new letter can replace an old one of the same case, once; the change is audited."""
    old, _ = issue(case_a, case_worker_a)
    new, _ = issue(case_a, case_worker_a, supersedes=old)
    old.refresh_from_db()
    assert old.superseded_by == new and old.is_superseded
    event = AuditEvent.objects.get(chain=f"case:{case_a.pk}", action="document.superseded")
    assert event.changes == {"superseded_by": [None, new.pk]}

    newer, _ = issue(case_a, case_worker_a)
    with pytest.raises(ValidationError) as exc:
        services.document_supersede(document=old, replacement=newer, actor=case_worker_a)
    assert exc.value.messages == [str(services.ERR_ALREADY_SUPERSEDED)]
    old.superseded_by = newer
    with pytest.raises(PermissionError):
        old.save()  # bypassing the service does not help


def test_supersede_refuses_a_document_of_another_case(region, case_a, case_worker_a):
    """A document can only be replaced by one of the same case."""
    other = start_case(
        SkeletonFlow.start,
        user=case_worker_a,
        perform=lambda p: skeleton_services.case_open(
            process=p, village=region.village_a2, summary="x", actor=case_worker_a
        ),
    )
    old, _ = issue(case_a, case_worker_a)
    foreign, _ = issue(other, case_worker_a)
    with pytest.raises(ValidationError) as exc:
        services.document_supersede(document=old, replacement=foreign, actor=case_worker_a)
    assert exc.value.messages == [str(services.ERR_SUPERSEDE_OTHER_CASE)]


@pytest.mark.parametrize(
    ("name", "masked"), [("张三丰", "张*丰"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("李", "*"), ("", "")]
)
def test_mask_name(name, masked):
    """Names on the verification page keep the first and last character only."""
    assert mask_name(name) == masked

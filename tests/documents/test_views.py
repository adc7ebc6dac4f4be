"""Public verification page and staff download (scope-checked, audited)."""

import pytest

from tests.documents.conftest import FAKE_PDF
from workflows.core.models import AuditEvent
from workflows.documents import services
from workflows.documents.models import CaseDocument


@pytest.fixture
def letter(case_a, case_worker_a):
    return services.document_issue(
        process_id=case_a.pk,
        kind=CaseDocument.Kind.REFUSAL_LETTER,
        filename="refusal.pdf",
        render=lambda url: FAKE_PDF,
        actor=case_worker_a,
        applicant_name="张三丰",
    )


def test_verification_page_shows_a_valid_document_without_login(client, letter, case_a):
    """Anyone holding the letter can open its QR URL without logging in and sees "valid",
    the kind, case number, township, issue date, SHA-256 and the masked name only."""
    response = client.get(f"/verify/{letter.token}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-status="valid"' in body
    for shown in ("不予确认决定书", case_a.case_number, "青山镇", letter.sha256, "张*丰"):
        assert shown in body
    assert "张三丰" not in body
    assert response["Cache-Control"] == "no-store"


def test_verification_page_says_superseded(client, letter, case_a, case_worker_a):
    """A letter replaced by a newer one verifies as superseded, not valid."""
    services.document_store(
        process_id=case_a.pk, kind="refusal_letter", filename="new.pdf", content=FAKE_PDF,
        actor=case_worker_a, supersedes=letter,
    )  # fmt: skip
    response = client.get(letter.verification_path())
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-status="superseded"' in body
    assert 'data-status="valid"' not in body


@pytest.mark.parametrize("token", ["x" * 32, "nonexistent", "a" * 200])
def test_unknown_token_is_404_and_looks_the_same(client, letter, token):
    """An unknown (or malformed, or overlong) token answers 404 with the generic
    "no such document" page, whatever the token looks like."""
    response = client.get(f"/verify/{token}/")
    assert response.status_code == 404
    assert 'data-status="unknown"' in response.content.decode()
    reference = client.get(f"/verify/{'y' * 32}/")
    assert response.content == reference.content


def test_staff_in_scope_downloads_and_it_is_audited(client_for, letter, case_worker_a, case_a):
    """A township A case worker downloads the stored file; "document.downloaded" is audited with them as actor."""
    response = client_for(case_worker_a).get(f"/verify/download/{letter.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FAKE_PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(chain=f"case:{case_a.pk}", action="document.downloaded")
    assert event.actor == case_worker_a
    assert event.data["document"] == letter.pk


def test_county_staff_see_township_documents(client_for, letter, county_officer):
    """County roles cover every township of the county (domain.md §1)."""
    assert client_for(county_officer).get(f"/verify/download/{letter.pk}/").status_code == 200


@pytest.mark.parametrize("user_fixture", ["case_worker_b", "approver_b", "outsider"])
def test_out_of_scope_download_is_404_and_not_audited(request, client_for, letter, user_fixture):
    """Staff of another township, or without any region, get a 404 (no leak) and nothing is audited."""
    user = request.getfixturevalue(user_fixture)
    assert client_for(user).get(f"/verify/download/{letter.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_unknown_document_download_is_404(client_for, case_worker_a, letter):
    """A document id that does not exist answers the same 404."""
    assert client_for(case_worker_a).get(f"/verify/download/{letter.pk + 1000}/").status_code == 404


def test_anonymous_download_redirects_to_login(client, letter):
    """The download needs a login: anonymous visitors are sent to the login page."""
    response = client.get(f"/verify/download/{letter.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

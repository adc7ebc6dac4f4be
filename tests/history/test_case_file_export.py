"""Issue 14 §6: the case file is a real 案卷 — cover page, household and members (ID numbers
masked), finance-check evidence, home visits, notices, the decision, the timeline and the
chain verification, with the issued PDFs and uploaded materials appended; hashes wrap
inside the page; the full export (ID numbers in clear) is for the county's auditors only,
needs a reason and is recorded with it."""

from __future__ import annotations

import io

import pdfplumber
import pytest
from django.urls import reverse
from PIL import Image

from tests.dibao.conftest import (  # noqa: F401 - fixtures used by name
    accept,
    application,
    approver_a2,
    fake_finance_check,
    file_case,
    home_visit,
    pass_notice,
    propose,
    sign_all,
    upload,
)
from workflows.core.models import AuditEvent
from workflows.dibao import services as dibao
from workflows.documents.models import CaseDocument


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 120), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def approved_case(region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch):  # noqa: F811
    """A dibao case from filing to approval, with an ID-card photo among its materials."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("身份证.png", _png(), content_type="image/png")
    uploads = [
        dibao.UploadInput(kind="application", file=upload()),
        dibao.UploadInput(kind="id_cards", file=photo),
    ]
    process = file_case(case_worker_a, region.village_a, uploads=uploads)
    process = fake_finance_check.finish(accept(process, case_worker_a), per_capita_income="100.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    process = pass_notice(process, monkeypatch)
    return sign_all(process, case_worker_a, approver_a, approver_a2)


def pages_text(content: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return ["".join((page.extract_text() or "").split()) for page in pdf.pages]


def chars_beyond_page(content: bytes) -> list[str]:
    """Characters drawn (partly) outside the page's width: a hash that did not wrap."""
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return [c["text"] for page in pdf.pages for c in page.chars if c["x1"] > page.width + 0.5 or c["x0"] < 0]


def wrapped_hex(content: bytes) -> str:
    """The small print of the hash columns (7.5 pt), line by line: a hash wrapped over
    several lines of its cell reads back whole."""
    text = []
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        for page in pdf.pages:
            small = [c for c in page.chars if abs(c["size"] - 7.5) < 0.3]
            text.extend(c["text"] for c in sorted(small, key=lambda c: (round(c["top"]), c["x0"])))
    return "".join(text)


def export(client, process, **post):
    url = reverse("history:export", args=[process.pk])
    return client.post(url, post) if post else client.get(url)


def test_case_file_has_cover_sections_masked_ids_and_appended_letters(approved_case, auditor, client_for):
    """The masked export: page 1 is the cover (case number, applicant, masked ID); the
    sections follow; the members' ID numbers are masked; the issued notice and approval
    letter are appended as their own pages, the uploaded photo on a page of its own."""
    process = approved_case
    response = export(client_for(auditor), process)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pages_text(response.content)
    cover = pages[0]
    head = process.household.head
    assert "案卷" in cover and process.case_number in cover and head.name in cover
    assert head.masked_id in cover and head.id_number not in cover
    body = "".join(pages)
    for section in ("申请家庭及成员", "家庭经济状况核对证据摘要", "入户调查记录", "公示与告知", "审核确认决定",
                    "完整时间线", "哈希链校验结果", "附件目录"):  # fmt: skip
        assert section in body, section
    for m in process.household.members.all():
        assert m.masked_id in body and m.id_number not in body
    assert "13912345678" not in body and "青山村一组8号" not in body
    # the issued documents' own pages follow the case file's pages
    documents = CaseDocument.objects.filter(process_id=process.pk)
    assert {d.kind for d in documents} >= {"public_notice", "approval_letter"}
    letter_pages = sum(len(pdfplumber.open(io.BytesIO(d.file.open("rb").read())).pages) for d in documents)
    appended = [i for i, text in enumerate(pages) if "审核确认通知书" in text or "公示" in text]
    assert len(pages) >= 2 + letter_pages and appended[-1] >= len(pages) - letter_pages - 1
    assert any(text.startswith("附件：身份证、户口簿") for text in pages)  # the photo's page
    ((data,),) = AuditEvent.objects.filter(chain=f"viewer:{auditor.pk}", action="history.exported").values_list("data")
    assert data["full"] is False


def test_hashes_wrap_inside_the_page(approved_case, auditor, client_for):
    """Every SHA-256 is printed in full and no character runs past the page's edge."""
    response = export(client_for(auditor), approved_case)
    hashes = wrapped_hex(response.content)
    for event in AuditEvent.objects.filter(chain=f"case:{approved_case.pk}").order_by("-seq")[:5]:
        assert event.hash in hashes
    assert chars_beyond_page(response.content) == []


def test_full_export_needs_a_reason(approved_case, auditor, client_for):
    """Without a reason the full export is refused (back to the page with the message) and
    nothing is recorded."""
    client = client_for(auditor)
    response = export(client, approved_case, reason="   ")
    assert response.status_code == 302 and response["Location"].endswith("#full-export")
    assert not AuditEvent.objects.filter(action="history.case_file_full_export").exists()
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert "须填写事由" in page


def test_full_export_shows_id_numbers_and_is_logged_with_its_reason(approved_case, auditor, client_for):
    """The county's auditor, with a reason, gets the ID numbers in clear; the export is
    recorded on the auditor's chain with the reason."""
    response = export(client_for(auditor), approved_case, reason="审计通知书 2026-7 号核查")
    assert response.status_code == 200
    body = "".join(pages_text(response.content))
    for m in approved_case.household.members.all():
        assert m.id_number in body
    ((data,),) = AuditEvent.objects.filter(
        chain=f"viewer:{auditor.pk}", action="history.case_file_full_export"
    ).values_list("data")
    assert data["reason"] == "审计通知书 2026-7 号核查" and data["full"] is True
    # ...and in the personal-data access log on the case's own chain (PIPL; the case replay shows it)
    pii = AuditEvent.objects.get(process_id=approved_case.pk, action="pii.exported")
    assert pii.actor_id == auditor.pk and pii.data["reason"] == "审计通知书 2026-7 号核查"
    assert data["case_number"] == approved_case.case_number


def test_full_export_is_refused_to_other_roles_and_other_counties(
    approved_case, case_worker_a, approver_a, case_worker_b, client_for
):
    """A township's staff see the case but may not export it in full (403); staff of another
    township do not see it at all (404); nothing is recorded."""
    assert export(client_for(case_worker_a), approved_case, reason="想看").status_code == 403
    assert export(client_for(approver_a), approved_case, reason="想看").status_code == 403
    assert export(client_for(case_worker_b), approved_case, reason="想看").status_code == 404
    assert export(client_for(case_worker_b), approved_case).status_code == 404
    assert not AuditEvent.objects.filter(action="history.case_file_full_export").exists()


def test_the_full_export_form_is_shown_to_auditors_only(approved_case, auditor, case_worker_a, client_for):
    """The reason form is on the auditor's history page, not on a case worker's."""
    url = reverse("history:case", args=[approved_case.pk])
    assert 'id="full-export"' in client_for(auditor).get(url).content.decode()
    assert 'id="full-export"' not in client_for(case_worker_a).get(url).content.decode()


def _user_reads(ctx) -> int:
    return sum(1 for q in ctx.captured_queries if q["sql"].startswith("SELECT") and 'FROM "auth_user"' in q["sql"])


def test_a_name_is_read_once_within_the_memo_and_afresh_outside(case_worker_a, approver_a, django_assert_num_queries):
    """Inside ``names_remembered`` a person already named (or known not to exist) costs no
    query; outside it every call reads, so a renamed user shows the new name next time."""
    from workflows.history import display

    missing = approver_a.pk + 10_000
    with display.names_remembered():
        with django_assert_num_queries(1):
            first = display._users([case_worker_a.pk, missing])
        with django_assert_num_queries(1):
            second = display._users([case_worker_a.pk, approver_a.pk, missing])
        with django_assert_num_queries(0):
            third = display._users([approver_a.pk, case_worker_a.pk, missing, "系统"])
    assert first == {case_worker_a.pk: display.person_name(case_worker_a)}
    assert second == third == {case_worker_a.pk: display.person_name(case_worker_a),
                               approver_a.pk: display.person_name(approver_a)}  # fmt: skip
    case_worker_a.first_name, case_worker_a.last_name = "改", "名"
    case_worker_a.save()
    with django_assert_num_queries(1):
        assert display._users([case_worker_a.pk]) == {case_worker_a.pk: display.person_name(case_worker_a)}


def test_the_case_page_and_file_name_each_person_once(
    approved_case,
    case_worker_a,
    case_worker_a2,
    approver_a,
    approver_a2,  # noqa: F811
    client_for,
    auditor,
):
    """The auditor's page of an approved 低保 case (four staff) read the users table 20 times,
    once per event naming someone (house rule: no N+1 on staff pages); now at most once per
    person plus the signed-in user, on the page and in the case file, and every one of them is
    still named on the page (domain.md §8: the timeline says who did what)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workflows.history import display

    client = client_for(auditor)
    client.get(f"/history/case/{approved_case.pk}/")  # the first view's own audit writes settle
    staff = (case_worker_a, case_worker_a2, approver_a, approver_a2)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(f"/history/case/{approved_case.pk}/")
    assert page.status_code == 200
    assert _user_reads(ctx) <= len(staff) + 1
    body = page.content.decode()
    for person in staff:
        assert display.person_name(person) in body
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("history:export", args=[approved_case.pk])).status_code == 200
    assert _user_reads(ctx) <= len(staff) + 1

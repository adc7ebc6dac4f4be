"""Public notice (MSL 19, 24; TK 15): 7 days that cannot be cut short, objections
by anyone, and a PDF that shows Chinese glyphs and no personal numbers."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from tests.documents.glyphs import embedded_fonts, pdf_text, pdf_text_compact, tofu_problems
from workflows.dibao import services
from workflows.dibao.models import DibaoProcess, Objection
from workflows.documents.models import CaseDocument

from .conftest import accept, clock, file_case, home_visit, propose, task_of


@pytest.fixture
def noticed(region, case_worker_a, case_worker_a2, fake_finance_check):
    """A case whose first 7-day notice has just been posted."""
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    return propose(process, case_worker_a)


def test_notice_timer_cannot_be_closed_early(noticed, approver_a, case_worker_a, client_for, monkeypatch):
    """No node or URL ends the notice early (MSL 19): cancel/undo/execute URLs of the
    timer task are refused, nobody has the manage permission, firing timers before
    7 days does nothing; after 7 days the timer fires and the case moves on."""
    task = task_of(noticed, "notice_period")
    assert task.status == STATUS.SCHEDULED
    assert not any(noticed.flow_class.instance.has_manage_permission(u) for u in (approver_a, case_worker_a))
    client = client_for(approver_a)
    base = f"/staff/cases/dibao/{noticed.pk}/notice_period/{task.pk}"
    for action in ("cancel", "undo", "execute", "revive", "assign"):
        response = client.post(f"{base}/{action}/")
        assert response.status_code in (403, 404, 405), action
    with clock(monkeypatch, datetime.timedelta(days=6, hours=23)):
        assert fire_due_timers() == 0
    task.refresh_from_db()
    assert task.status == STATUS.SCHEDULED
    with clock(monkeypatch, datetime.timedelta(days=7, minutes=1)):
        assert fire_due_timers() == 1
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert task_of(DibaoProcess.objects.get(pk=noticed.pk), "sign_handler")


def test_anonymous_objection_through_public_form(noticed, client, monkeypatch):
    """Anyone may object without logging in and anonymously; the form shows only the
    notice's public fields (MSL 24); the objection extends the deadline and, after the
    window, routes the case to the objection handling (MSL 19)."""
    notice = noticed.current_notice
    url = f"/dibao/objection/{notice.token}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    household = noticed.household
    head = household.head
    assert head.name in html and noticed.village.name in html
    for secret in (head.id_number, household.phone, household.bank_account, household.address):
        assert secret not in html
    response = client.post(url, {"anonymous": "on", "content": "该户有车辆"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.anonymous and objection.recorded_by is None and objection.name == ""
    process = DibaoProcess.objects.get(pk=noticed.pk)
    assert process.extension_reason == "objection"
    with clock(monkeypatch, datetime.timedelta(days=7, minutes=1)):
        fire_due_timers()
        assert client.post(url, {"content": "晚到的异议"}).status_code == 200
    assert Objection.objects.count() == 1
    assert task_of(DibaoProcess.objects.get(pk=noticed.pk), "choose_objection_route")


def test_objection_outside_window_refused_and_blocks_decision(noticed, approver_a, monkeypatch):
    """Objections are received only in the window; an unresolved one blocks signing (MSL 19)."""
    notice = noticed.current_notice
    services.objection_record(notice=notice, content="有异议", anonymous=False, name="王某", contact="村委会转")
    with pytest.raises(ValidationError) as exc:
        services.decision_sign(process=noticed, role="section_chief", opinion="x", actor=approver_a)
    assert services.ERR_UNRESOLVED_OBJECTION in exc.value.messages
    with clock(monkeypatch, datetime.timedelta(days=8)), pytest.raises(ValidationError) as exc:
        services.objection_record(notice=notice, content="晚了", anonymous=True)
    assert services.ERR_OBJECTION_CLOSED in exc.value.messages


def test_staff_records_objection(noticed, case_worker_a, case_worker_b, client_for):
    """A case worker records an objection received in person; another township's
    staff cannot open the form (404)."""
    url = f"/dibao/case/{noticed.pk}/objection/"
    assert client_for(case_worker_b).get(url).status_code == 404
    response = client_for(case_worker_a).post(url, {"name": "李某", "contact": "村委会", "content": "收入不实"})
    assert response.status_code == 200
    assert Objection.objects.get().recorded_by == case_worker_a


def test_notice_pdf_shows_chinese_and_no_personal_numbers(noticed):
    """The notice stored on the case (MSL 19, 24) renders Chinese glyphs (no missing-glyph
    boxes, CJK font embedded) and its text has the name, size, village and amount but
    no ID number, phone or bank account of the case."""
    doc = CaseDocument.objects.get(process_id=noticed.pk, kind="public_notice")
    pdf = doc.file.read()
    fonts = {name.split("+")[-1]: embedded for name, embedded in embedded_fonts(pdf)}
    assert fonts.get("PDF-Common-Sans") is True  # the cut-down Noto Sans CJK SC (documents/pdf.py)
    head = noticed.household.head
    assert tofu_problems(pdf, head.name) == []
    text, compact = pdf_text(pdf), pdf_text_compact(pdf)
    assert head.name in compact and noticed.village.name in compact and str(noticed.proposed_amount) in compact
    for m in noticed.household.members.all():
        assert m.id_number not in compact and m.id_number not in text
    assert noticed.household.phone not in compact
    assert noticed.household.bank_account not in compact
    assert noticed.household.address.replace(" ", "") not in compact


def test_decision_letter_has_verification_qr(region, case_worker_a, case_worker_a2, approver_a, approver_a2,
                                             fake_finance_check):  # fmt: skip
    """The refusal letter is stored on the case with a verification token (QR) and
    states the reasons and appeal rights (MSL 21, 38; SAI 65)."""
    from .conftest import sign_all

    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a, approve=False)
    sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["家庭人均收入高于标准"])
    doc = CaseDocument.objects.get(process_id=process.pk, kind="refusal_letter")
    assert doc.verifiable and doc.token
    compact = pdf_text_compact(doc.file.read())
    assert "家庭人均收入高于标准" in compact and "行政复议" in compact and "行政诉讼" in compact

"""Status page for temporary-assistance cases (issue 16 item 5): the same lookup, throttle,
identical failures and constant statements as dibao; stages in plain language; the amount
paid so far of the approved amount; refusal reasons; letters behind the session grant."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.temporary_assistance.helpers import do
from workflows.portal import throttle
from workflows.temporary_assistance import services as ta_services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F

from .conftest import APPLICANT_ID, TA_ID, TA_PHONE, ta_approve, ta_letter


def _lookup(client, case_number, id_last6="", otp="", ip="10.0.0.1"):
    return client.post(
        "/portal/status/", {"case_number": case_number, "id_last6": id_last6, "otp": otp}, REMOTE_ADDR=ip
    )


def _page(client, process, ip="10.0.0.1"):
    r = _lookup(client, process.case_number, TA_ID[-6:], ip=ip)
    assert r.status_code == 302 and r["Location"] == f"/portal/status/{process.case_number}/"
    return client.get(r["Location"]).content.decode()


def test_ta_case_lookup_opens_its_status_page_accepted(client, ta_case):
    """Case number + last 6 of the head's ID open a temporary-assistance case: stage 已受理 in
    words, what was requested (amount with separators), appeal rights (SAI 65); no ID, phone,
    staff or household names."""
    page = _page(client, ta_case)
    assert 'id="stage-label">已受理<' in page
    assert "急难型临时救助" in page and "火灾" in page and "1,500.00 元" in page
    assert "行政复议" in page and "第六十五条" in page
    assert TA_ID not in page and TA_PHONE not in page and "孙大海" not in page and "worker_a" not in page


def test_ta_case_under_review_once_the_approver_takes_it(client, ta_case, approver_a):
    """A task an approver has taken reads 审核中 (the applicant does not see who)."""
    from workflows.core.driving import assign_task, open_tasks

    assign_task(open_tasks(ta_case, F.township_approve).get(), user=approver_a)
    page = _page(client, ta_case)
    assert 'id="stage-label">审核中<' in page and "approver_a" not in page


def test_ta_approved_shows_paid_so_far_then_paid_and_the_letter(client, ta_case, approver_a, ta_fund):
    """Approved with a first payment of 500 of 1,500: 已批准, "已发放 500.00 元" of "1,500.00";
    after the rest: 已发放. The decision letter downloads as a PDF behind the grant."""
    process = ta_approve(ta_case, approver_a, amount="1500.00", first_payment="500.00")
    page = _page(client, process)
    assert 'id="stage-label">已批准<' in page
    assert "批准救助 1,500.00 元，已发放 500.00 元" in page
    process = do(process, F.township_pay, approver_a, ta_services.case_pay_installment, amount=Decimal("1000.00"))
    letter = ta_letter(process)
    page = client.get(f"/portal/status/{process.case_number}/").content.decode()
    assert 'id="stage-label">已发放<' in page and "已发放 1,500.00 元" in page
    url = f"/portal/status/{process.case_number}/letters/{letter.pk}/"
    assert url in page
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    client.post("/portal/status/leave/")
    assert client.get(url).status_code == 404


def test_ta_refused_shows_the_reasons_and_the_refusal_letter(client, ta_case, approver_a):
    """未批准 with each reason line as written for the applicant, and the refusal letter."""
    process = do(
        ta_case, F.township_approve, approver_a, ta_services.case_township_approve, approve=False,
        reason="同一事由本年度已获救助\n无新的困难情况",
    )  # fmt: skip
    letter = ta_letter(process)
    page = _page(client, process)
    assert 'id="stage-label">未批准<' in page
    assert "<li>同一事由本年度已获救助</li>" in page and "<li>无新的困难情况</li>" in page
    assert f"/letters/{letter.pk}/" in page and "批准救助" not in page


def test_ta_assist_first_paid(client, case_worker_a, approver_a, ta_household, ta_fund):
    """先行救助已发放: paid at once in an emergency, with the paperwork deadline."""
    from tests.temporary_assistance.helpers import file_case

    process = file_case(case_worker_a, ta_household, requested_amount=Decimal("800.00"), assist_first=True)
    process = do(process, F.assist_first_pay, approver_a, ta_services.case_assist_first_pay, amount=Decimal("800.00"))
    page = _page(client, process)
    assert 'id="stage-label">先行救助已发放<' in page and "补办手续期限" in page
    assert "已发放 800.00 元" in page


def test_ta_unknown_wrong_and_throttled_are_byte_identical(client, ta_case):
    """Enumeration protection as for dibao: an unknown LS number, a wrong factor for a real
    one and a throttled attempt with the right factor give the very same page."""
    wrong = _lookup(client, ta_case.case_number, "000000", ip="10.0.0.2")
    unknown = _lookup(client, "LS-990101001-2026-999999", "000000", ip="10.0.0.3")
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.content == unknown.content and wrong.get("Set-Cookie") == unknown.get("Set-Cookie")
    for _ in range(12):
        _lookup(client, ta_case.case_number, "000000", ip="10.0.0.4")
    assert throttle.lookup_throttled(address="10.0.0.4", case_number=ta_case.case_number, factor="id")
    throttled = _lookup(client, ta_case.case_number, TA_ID[-6:], ip="10.0.0.4")
    assert throttled.content == unknown.content


def test_ta_wrong_id_tails_back_off_per_case_but_a_code_still_gets_in(
    client, ta_case, sms, django_capture_on_commit_callbacks
):
    """The per-case ID-tail back-off holds for TA cases (wrong tails from rotating addresses),
    and the applicant's one-time code still opens the page (no lock-out, issue 18 item 3)."""
    for i in range(12):
        _lookup(client, ta_case.case_number, "000000", ip=f"10.2.0.{i + 1}")
    refused = _lookup(client, ta_case.case_number, TA_ID[-6:], ip="10.2.1.1")
    assert refused.status_code == 200  # the right tail waits too
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/status/code/", {"case_number": ta_case.case_number}, REMOTE_ADDR="10.2.1.2")
    assert sms.sent[-1]["phone"] == TA_PHONE
    code = sms.sent[-1]["text"].split("验证码是 ")[1][:6]
    ok = _lookup(client, ta_case.case_number, otp=code, ip="10.2.1.3")
    assert ok.status_code == 302


def _statements(client, case_number, factor, ip):
    with CaptureQueriesContext(connection) as ctx:
        _lookup(client, case_number, **factor, ip=ip)
    # the literal values differ (case number, pk 0 vs the real pk); the statements must not
    return [q["sql"].replace(case_number, "?") for q in ctx.captured_queries if "django_session" not in q["sql"]]


def test_ta_real_and_unknown_cases_run_the_same_statements(client, ta_case, online_case):
    """Timing: a wrong factor for a real TA case, a real dibao case and an unknown number run
    the same number of statements of the same shape (one UNION over both programmes)."""
    import re

    def shape(statements):
        return [re.sub(r"\d+", "N", s) for s in statements]

    for factor in ({"id_last6": "000000"}, {"otp": "123456"}):
        real_ta = _statements(client, ta_case.case_number, factor, "10.3.0.1")
        real_db = _statements(client, online_case.case_number, factor, "10.3.0.2")
        unknown = _statements(client, "LS-990101001-2026-999999", factor, "10.3.0.3")
        assert len(real_ta) == len(real_db) == len(unknown)
        assert shape(real_ta) == shape(real_db) == shape(unknown)
        assert any("UNION" in s for s in real_ta)


def test_ta_letter_of_another_case_is_not_found(client, ta_case, approver_a, ta_fund, online_case):
    """A grant for one case never opens another case's letter (dibao or TA)."""
    process = ta_approve(ta_case, approver_a)
    letter = ta_letter(process)
    assert _lookup(client, online_case.case_number, APPLICANT_ID[-6:], ip="10.4.0.2").status_code == 302
    assert client.get(f"/portal/status/{online_case.case_number}/letters/{letter.pk}/").status_code == 404
    # the TA case itself is not granted in this session
    assert client.get(f"/portal/status/{process.case_number}/letters/{letter.pk}/").status_code == 404


def test_ta_other_documents_of_the_case_are_not_downloadable(client, ta_case, case_worker_a):
    """Negative: with the case granted, a document that is not a decision letter (an entrustment,
    kind "other") is not found, whatever its id."""
    from workflows.documents.services import document_store

    other = document_store(
        process_id=ta_case.pk, kind="other", filename="entrustment.pdf", content=b"%PDF-1.4\n", actor=case_worker_a,
        applicant_name="孙大海",
    )  # fmt: skip
    _page(client, ta_case)
    assert client.get(f"/portal/status/{ta_case.case_number}/letters/{other.pk}/").status_code == 404

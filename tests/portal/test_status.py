"""Status page (issue 9 §2, §3): second factor, identical failures, throttling,
one-time codes, public fields only, letters behind the session grant."""

from __future__ import annotations

from workflows.dibao import services as dibao_services
from workflows.portal import throttle
from workflows.portal.models import OneTimeCode

from .conftest import APPLICANT_ID, PHONE


def _lookup(client, case_number, id_last6="", otp="", ip="10.0.0.1"):
    return client.post(
        "/portal/status/", {"case_number": case_number, "id_last6": id_last6, "otp": otp}, REMOTE_ADDR=ip
    )


def test_lookup_with_id_tail_opens_the_status_page(client, online_case):
    """Case number + last 6 of the applicant's ID grants the page; it shows the
    stage in plain language and the appeal rights (MSL 21, 38)."""
    r = _lookup(client, online_case.case_number.lower(), APPLICANT_ID[-6:])
    assert r.status_code == 302 and r["Location"] == f"/portal/status/{online_case.case_number}/"
    page = client.get(r["Location"]).content.decode()
    assert "等待乡镇受理" in page and "行政复议" in page


def test_status_page_needs_the_grant(client, online_case):
    """Without a successful lookup in this session the page redirects to the lookup form."""
    r = client.get(f"/portal/status/{online_case.case_number}/")
    assert r.status_code == 302 and r["Location"].startswith("/portal/status/?case=")


def test_unknown_case_and_wrong_factor_are_byte_identical(client, online_case):
    """Enumeration protection: "no such case" and "wrong second factor" give the
    same status, headers that matter, and body."""
    wrong = _lookup(client, online_case.case_number, "000000", ip="10.0.0.2")
    unknown = _lookup(client, "DB-990101001-2026-999999", "000000", ip="10.0.0.3")
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.content == unknown.content
    assert wrong.get("Set-Cookie") == unknown.get("Set-Cookie")


def test_hundred_wrong_factors_are_throttled(client, online_case):
    """After 10 attempts in 15 minutes per address, even the right factor is refused,
    with the same page as a wrong one; the case-number limit stops a botnet too."""
    first = _lookup(client, online_case.case_number, "000000")
    for _ in range(99):
        r = _lookup(client, online_case.case_number, "000000")
        assert r.content == first.content
    assert throttle.lookup_throttled(address="10.0.0.1", case_number=online_case.case_number)
    refused = _lookup(client, online_case.case_number, APPLICANT_ID[-6:])
    assert refused.status_code == 200 and refused.content == first.content
    # another address, same case number: the per-case limit still holds
    other = _lookup(client, online_case.case_number, APPLICANT_ID[-6:], ip="10.9.9.9")
    assert other.content == first.content


def test_one_time_code_is_hashed_single_use(client, online_case, sms, django_capture_on_commit_callbacks):
    """The code goes to the registered phone, is stored hashed, works once; the
    answer to the request is the same for an unknown case."""
    with django_capture_on_commit_callbacks(execute=True):
        r1 = client.post("/portal/status/code/", {"case_number": online_case.case_number}, REMOTE_ADDR="10.1.0.1")
        r2 = client.post("/portal/status/code/", {"case_number": "DB-990101001-2026-999999"}, REMOTE_ADDR="10.1.0.2")
    assert r1.status_code == r2.status_code == 200
    assert len(sms.sent) == 1 and sms.sent[0]["phone"] == PHONE
    code = sms.sent[0]["text"].split("验证码是 ")[1][:6]
    stored = OneTimeCode.objects.get(process_id=online_case.pk)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    ok = _lookup(client, online_case.case_number, otp=code, ip="10.1.0.3")
    assert ok.status_code == 302
    client.post("/portal/status/leave/")
    again = _lookup(client, online_case.case_number, otp=code, ip="10.1.0.4")
    assert again.status_code == 200  # used up


def test_status_page_hides_staff_names_notes_and_evidence(
    region, client, online_case, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check,
    monkeypatch,
):  # fmt: skip
    """Driven to a refusal by staff with a distinctive note and findings: the page
    shows the decision and the letter, never staff names, notes, findings or
    the full ID number (issue 9 §2; MSL 24)."""
    from tests.dibao.conftest import accept, do, home_visit, sign_all

    case_worker_a.first_name, case_worker_a.last_name = "独特", "名字甲"
    case_worker_a.save()
    process = accept(online_case, case_worker_a)
    process = fake_finance_check.finish(process, outcome="not_eligible", per_capita_income="900.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = do(process, "propose", case_worker_a, dibao_services.dibao_propose, approve=False, note="内部备注XYZ987")
    process = sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["人均收入高于标准"])
    assert process.status == "DONE"

    _lookup(client, process.case_number, APPLICANT_ID[-6:])
    page = client.get(f"/portal/status/{process.case_number}/").content.decode()
    assert "不予确认" in page and "下载不予确认决定书" in page
    for secret in ("内部备注XYZ987", "家中无劳动力", "名字甲", "worker_a", "approver_a", APPLICANT_ID, PHONE):
        assert secret not in page
    from workflows.portal.selectors import letters_of

    letter = letters_of(process)[0]
    r = client.get(f"/portal/status/{process.case_number}/letters/{letter.id}/")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    client.post("/portal/status/leave/")
    assert client.get(f"/portal/status/{process.case_number}/letters/{letter.id}/").status_code == 404

"""MSL 18 on the applicant side: a failed data check is told to the applicant — on the
status page (plain language, the reasons, the check-result notice to download, how to
object with evidence), by SMS after commit, and through the API."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.dibao.conftest import accept
from workflows.dibao import services as dibao_services
from workflows.portal.models import Notification

from .conftest import APPLICANT_ID, PDF, PHONE


def _page(client, process, ip="10.5.0.1"):
    r = client.post(
        "/portal/status/", {"case_number": process.case_number, "id_last6": APPLICANT_ID[-6:]}, REMOTE_ADDR=ip
    )
    assert r.status_code == 302
    return client.get(r["Location"]).content.decode()


def _failed(online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks):
    process = accept(online_case, case_worker_a)
    with django_capture_on_commit_callbacks(execute=True):
        return fake_finance_check.finish(process, outcome="not_eligible", per_capita_income="900.00")


def test_msl_18_status_page_tells_the_failed_check_with_reasons_letter_and_objection(
    client, online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks
):
    """MSL 18: the status page says in words that the check failed, lists the check's reasons,
    offers the check-result notice as a PDF behind the grant, and says how to object with
    evidence at the township window."""
    from workflows.documents.models import CaseDocument

    process = _failed(online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks)
    page = _page(client, process)
    assert 'id="stage-label">家庭经济状况核对未通过<' in page
    assert '<ul id="check-reasons"><li>收入低于标准</li></ul>' in page
    assert "如何对核对结果提出异议" in page and "证明材料" in page and "第十八条" in page
    notice = CaseDocument.objects.get(process_id=process.pk, filename__contains="-check-result-")
    url = f"/portal/status/{process.case_number}/letters/{notice.pk}/"
    assert url in page and "下载家庭经济状况核对结果告知书" in page
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    client.post("/portal/status/leave/")
    assert client.get(url).status_code == 404  # no grant, no letter


def test_msl_18_failed_check_is_texted_after_commit_once_per_check(
    online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks, sms
):
    """MSL 18: the moment the failed check is told, an SMS goes to the registered phone (after
    commit), naming the notice and the re-check, without reasons or personal data; one per check."""
    process = _failed(online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks)
    note = Notification.objects.get(process_id=process.pk, stage="check_failed")
    assert note.status == "sent" and note.round == process.finance_check_id
    text = next(m["text"] for m in sms.sent if "核对未通过" in m["text"])
    assert process.case_number in text and "复查" in text and "收入低于标准" not in text
    assert APPLICANT_ID not in text and PHONE not in text


def test_msl_18_nothing_is_texted_before_the_check_commits(
    online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks
):
    """MSL 18: the text is queued when the check's transaction commits, not inside it."""
    process = accept(online_case, case_worker_a)
    check = fake_finance_check.requests[-1]
    check.outcome = "not_eligible"
    check.result = {"reasons": [{"code": "x", "message": "收入低于标准"}]}
    with django_capture_on_commit_callbacks(execute=False):
        dibao_services.dibao_record_check(
            process=process, check_id=check.pk, outcome="not_eligible", result=check.result
        )
        assert not Notification.objects.filter(process_id=process.pk, stage="check_failed").exists()


def test_msl_18_objection_recorded_shows_the_recheck_and_a_second_failure_is_texted_again(
    client, online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks, sms
):
    """MSL 18: once the township records an objection with evidence, the page says the result is
    being re-checked (no objection advice); a re-check that fails again is told again."""
    process = _failed(online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks)
    evidence = SimpleUploadedFile("失业证明.pdf", PDF, content_type="application/pdf")
    dibao_services.check_objection_record(process=process, statement="已失业", evidence=evidence, actor=case_worker_a)
    page = _page(client, process)
    assert 'id="stage-label">正在复查核对结果<' in page and "如何对核对结果提出异议" not in page
    with django_capture_on_commit_callbacks(execute=True):
        fake_finance_check.finish(process, outcome="not_eligible", per_capita_income="900.00")
    assert Notification.objects.filter(process_id=process.pk, stage="check_failed").count() == 2


def test_msl_18_an_eligible_check_shows_no_failure(
    client, online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks
):
    """Negative (MSL 18): a passed check shows no failure section and sends no such text."""
    process = accept(online_case, case_worker_a)
    with django_capture_on_commit_callbacks(execute=True):
        process = fake_finance_check.finish(process)
    page = _page(client, process)
    assert 'id="check-failure"' not in page and "核对未通过" not in page
    assert not Notification.objects.filter(process_id=process.pk, stage="check_failed").exists()


def test_msl_18_the_api_status_carries_the_failed_check(
    client, online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks, api_client_a
):
    """MSL 18: the integration API's status has the failed check, its reasons and the notice
    letter, which the client downloads through the letters endpoint of its county."""
    process = _failed(online_case, case_worker_a, fake_finance_check, django_capture_on_commit_callbacks)
    _, key = api_client_a
    r = client.post(
        "/portal/api/v1/status/", {"case_number": process.case_number}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )  # fmt: skip
    failure = r.json()["check_failure"]
    assert r.json()["stage"] == "check_failed" and failure["reasons"] == ["收入低于标准"] and failure["objection_open"]
    pdf = client.get(f"/portal/api/v1/letters/{failure['letter']['id']}/", HTTP_AUTHORIZATION=f"Token {key}")
    assert pdf.status_code == 200

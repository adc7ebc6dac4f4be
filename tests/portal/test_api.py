"""Integration API (issue 9 §5): token clients bound to a county, the same
scoping (out of county = 404) and throttling as the web, a valid OpenAPI
schema, and a schema-driven fuzz run without server errors."""

from __future__ import annotations

import base64
import io
from contextlib import contextmanager

import pytest
from django.core.management import call_command

from tests.dibao.conftest import accept, do, home_visit, propose, sign_all
from workflows.dibao import services as dibao_services
from workflows.dibao.models import Channel, DibaoProcess, Objection
from workflows.portal.models import IntegrationClient
from workflows.portal.selectors import letters_of
from workflows.portal.services import token_hash

from .conftest import APPLICANT_ID, PDF, PHONE, SPOUSE_ID


def _auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def _payload(village_code, **kw):
    data = {
        "programme": "dibao", "village_code": village_code, "area": "rural", "address": "青山村一组 1 号",
        "phone": PHONE, "members": [
            {"name": "赵大山", "id_number": APPLICANT_ID, "relation": "applicant", "monthly_income": "100.00",
             "signed_check_authorisation": True, "signed_truthfulness": True},
            {"name": "钱小花", "id_number": SPOUSE_ID, "relation": "spouse", "signed_check_authorisation": True},
        ],
        "uploads": [{"kind": "application", "filename": "a.pdf", "content_base64": base64.b64encode(PDF).decode()}],
    }  # fmt: skip
    data.update(kw)
    return data


def test_submit_application_with_token(client, region, api_client_a):
    """A county-bound client files an online case for a village of its county."""
    _, key = api_client_a
    r = client.post("/portal/api/v1/applications/", _payload(region.village_a.code), "application/json", **_auth(key))
    assert r.status_code == 201, r.content
    process = DibaoProcess.objects.get(case_number=r.json()["case_number"])
    assert process.channel == Channel.ONLINE and process.attachments.count() == 1


def test_submit_needs_a_valid_token(client, region):
    """No token: 401/403; a wrong token: 401 — nothing filed."""
    url = "/portal/api/v1/applications/"
    assert client.post(url, _payload(region.village_a.code), "application/json").status_code in (401, 403)
    r = client.post(url, _payload(region.village_a.code), "application/json", **_auth("nope"))
    assert r.status_code == 401
    assert not DibaoProcess.objects.exists()


def test_submit_out_of_county_is_404(client, region, api_client_b):
    """A client of another county cannot file for this county's villages."""
    _, key = api_client_b
    r = client.post("/portal/api/v1/applications/", _payload(region.village_a.code), "application/json", **_auth(key))
    assert r.status_code == 404 and not DibaoProcess.objects.exists()


def test_submit_uses_dibao_validation(client, region, api_client_a):
    """Missing authorisation of an adult is refused with the dibao message (MSL 9)."""
    _, key = api_client_a
    payload = _payload(region.village_a.code)
    payload["members"][1]["signed_check_authorisation"] = False
    r = client.post("/portal/api/v1/applications/", payload, "application/json", **_auth(key))
    assert r.status_code == 400
    assert "钱小花" in r.json()["errors"][0]


def test_status_token_scoped_by_county(client, online_case, api_client_a, api_client_b):
    """The hotline reads a case of its county by number; another county's client gets 404."""
    _, key_a = api_client_a
    _, key_b = api_client_b
    body = {"case_number": online_case.case_number}
    r = client.post("/portal/api/v1/status/", body, "application/json", **_auth(key_a))
    assert r.status_code == 200 and r.json()["stage"] == "submitted"
    assert "赵大山" not in r.content.decode()
    assert client.post("/portal/api/v1/status/", body, "application/json", **_auth(key_b)).status_code == 404


def test_status_anonymous_second_factor_and_throttle(client, online_case):
    """Anonymous callers need the second factor; unknown and wrong look the same;
    after the limit the answer is 429 for everyone."""
    url = "/portal/api/v1/status/"
    wrong = client.post(url, {"case_number": online_case.case_number, "id_last6": "000000"}, "application/json")
    unknown = client.post(url, {"case_number": "DB-990101001-2026-999999", "id_last6": "000000"}, "application/json")
    assert wrong.status_code == unknown.status_code == 404 and wrong.content == unknown.content
    ok = client.post(url, {"case_number": online_case.case_number, "id_last6": APPLICANT_ID[-6:]}, "application/json")
    assert ok.status_code == 200
    for _ in range(10):
        r = client.post(url, {"case_number": online_case.case_number, "id_last6": "000000"}, "application/json")
    assert r.status_code == 429


def test_objection_and_letter_via_api(
    client, region, online_case, api_client_a, api_client_b, case_worker_a, case_worker_a2, approver_a,
    approver_a2, fake_finance_check,
):  # fmt: skip
    """The hotline records an objection during the notice (MSL 19); letters of
    its county download as PDF, another county's client gets 404."""
    _, key = api_client_a
    _, key_b = api_client_b
    body = {"case_number": online_case.case_number, "content": "收入申报不实", "anonymous": True}
    r = client.post("/portal/api/v1/objections/", body, "application/json", **_auth(key))
    assert r.status_code == 400  # no notice yet
    process = accept(online_case, case_worker_a)
    process = fake_finance_check.finish(process)
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    assert client.post("/portal/api/v1/objections/", body, "application/json", **_auth(key_b)).status_code == 404
    r = client.post("/portal/api/v1/objections/", body, "application/json", **_auth(key))
    assert r.status_code == 201 and r.json()["notice_round"] == 1
    assert Objection.objects.filter(notice__process=process, anonymous=True).count() == 1
    assert DibaoProcess.objects.get(pk=process.pk).extension_reason == "objection"  # N22 4(1)


def test_letter_download_scoped(
    client, region, online_case, api_client_a, api_client_b, case_worker_a, case_worker_a2, approver_a,
    approver_a2, fake_finance_check,
):  # fmt: skip
    """Letters download as PDF for the case's county only (404 elsewhere and for non-letters)."""
    _, key = api_client_a
    _, key_b = api_client_b
    process = accept(online_case, case_worker_a)
    process = fake_finance_check.finish(process, outcome="not_eligible", per_capita_income="900.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = do(process, "propose", case_worker_a, dibao_services.dibao_propose, approve=False, note="不符合")
    process = sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["收入高于标准"])
    letter = letters_of(process)[0]
    r = client.get(f"/portal/api/v1/letters/{letter.id}/", **_auth(key))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert client.get(f"/portal/api/v1/letters/{letter.id}/", **_auth(key_b)).status_code == 404
    assert client.get("/portal/api/v1/letters/999999/", **_auth(key)).status_code == 404


def test_create_integration_client_command_prints_key_once(region):
    """The key is printed once and only its SHA-256 is stored."""
    out = io.StringIO()
    call_command("create_integration_client", county=region.county.code, name="省政务服务网", stdout=out)
    key = out.getvalue().rsplit(" ", 1)[1].strip()
    client = IntegrationClient.objects.get(name="省政务服务网")
    assert client.token_hash == token_hash(key) and key not in client.token_hash


def _schema(client) -> dict:
    r = client.get("/portal/api/schema/?format=json")
    assert r.status_code == 200
    return r.json()


def test_openapi_schema_validates(client, db):
    """The generated schema is valid OpenAPI 3 and lists the seven operations (three of them
    temporary assistance: file, status, letters)."""
    from drf_spectacular.validation import validate_schema

    schema = _schema(client)
    validate_schema(schema)
    assert set(schema["paths"]) == {
        "/portal/api/v1/applications/", "/portal/api/v1/status/", "/portal/api/v1/objections/",
        "/portal/api/v1/letters/{document_id}/", "/portal/api/v1/temporary-assistance/applications/",
        "/portal/api/v1/temporary-assistance/status/", "/portal/api/v1/temporary-assistance/letters/{document_id}/",
    }  # fmt: skip
    assert "IntegrationToken" in schema["components"]["securitySchemes"]


@contextmanager
def keep_test_connection():
    """The WSGI app closes "old" DB connections around each request, which would end
    the test's transaction on PostgreSQL; Django's own test client disconnects the
    same receivers (and reconnects them after each of its requests, so no test
    client call may run inside this block)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("authenticated", [True, False], ids=["token", "anonymous"])
def test_fuzz_finds_no_server_error(client, region, online_case, ta_case, api_client_a, authenticated):
    """schemathesis: 25 generated requests per operation (the temporary-assistance file, status
    and letters endpoints included, with a real TA case in the county), never a 5xx."""
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    _, key = api_client_a
    schema = schemathesis.openapi.from_dict(_schema(client))
    schema.app = get_wsgi_application()
    headers = {"Authorization": f"Token {key}"} if authenticated else None
    statuses = []
    with keep_test_connection():
        for result in schema.get_all_operations():
            _fuzz(result.ok(), headers, statuses)
    assert len(statuses) >= 7 * 10 and max(statuses) < 500


def _fuzz(operation, headers, statuses):
    """25 examples of one operation through the WSGI app; ``not_a_server_error`` only."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis.checks import not_a_server_error

    @hsettings(max_examples=25, deadline=None, database=None, derandomize=True,
               suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy(headers=headers))
    def run(case):
        response = case.call_and_validate(checks=[not_a_server_error])
        statuses.append(response.status_code)

    run()

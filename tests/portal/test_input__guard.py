"""Bad input never reaches a 500 (issue 18 item 6).

A lone surrogate (JSON escape ``"\\ud800"``) in any field, JSON nested
thousands deep, or random unicode text in any form field answers 400 (or the
form's own error), with a translated message; nothing is written.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote_from_bytes

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dibao.conftest import file_case
from workflows.dibao.models import DibaoProcess
from workflows.portal.guard import ERR_LONE_SURROGATE, ERR_TOO_DEEP, MAX_JSON_DEPTH, json_problem

from .test_api import _auth, _payload

APPLY = "/portal/api/v1/applications/"
STATUS = "/portal/api/v1/status/"
OBJECTIONS = "/portal/api/v1/objections/"


def _client() -> Client:
    return Client(raise_request_exception=False)


def _post_json(client, url, body: str, **extra):
    return client.post(url, body, content_type="application/json", **extra)


# --- the API: surrogates in choice fields, deep nesting -------------------------------
CHOICE_PATHS = {
    "programme": ("programme",),
    "area": ("area",),
    "language": ("language",),
    "relation": ("members", 0, "relation"),
    "income_kind": ("members", 0, "income_kind"),
    "upload kind": ("uploads", 0, "kind"),
}


def _set(data, path, value):
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


@pytest.mark.parametrize("field", sorted(CHOICE_PATHS))
def test_lone_surrogate_in_a_choice_field_is_400(region, api_client_a, field):
    """Each choice field holding "\\ud800" answers 400 with the translated message; no case is filed."""
    _, key = api_client_a
    payload = _payload(region.village_a.code)
    _set(payload, CHOICE_PATHS[field], "\ud800")
    r = _post_json(_client(), APPLY, json.dumps(payload), **_auth(key))
    assert r.status_code == 400, r.content[:300]
    assert r.json() == {"errors": [str(ERR_LONE_SURROGATE)]}
    assert not DibaoProcess.objects.exists()


def test_lone_surrogate_in_a_key_or_text_field_is_400(region, api_client_a):
    """Also in a free-text field and in an object key (anonymous status lookup too)."""
    _, key = api_client_a
    payload = _payload(region.village_a.code, address="青山村\udfff一组")
    assert _post_json(_client(), APPLY, json.dumps(payload), **_auth(key)).status_code == 400
    r = _post_json(_client(), STATUS, json.dumps({"case_number\ud83d": "x", "otp": "123456"}))
    assert r.status_code == 400 and r.json()["errors"] == [str(ERR_LONE_SURROGATE)]


@pytest.mark.parametrize("url", [APPLY, STATUS, OBJECTIONS])
@pytest.mark.parametrize("shape", ["[", '{"a":'])
def test_json_nested_5000_deep_is_400(region, api_client_a, url, shape):
    """JSON nested 5,000 deep (arrays or objects) answers 400 naming the limit, on every endpoint."""
    _, key = api_client_a
    close = "]" if shape == "[" else "}"
    body = shape * 5000 + "1" + close * 5000
    r = _post_json(_client(), url, body, **_auth(key))
    assert r.status_code == 400
    assert r.json() == {"errors": [str(ERR_TOO_DEEP % {"max": MAX_JSON_DEPTH})]}


def test_message_follows_the_language(region, api_client_a):
    """The refusal is translated: English when the request asks for English."""
    _, key = api_client_a
    r = _post_json(_client(), STATUS, '{"otp": "\\ud800"}', HTTP_ACCEPT_LANGUAGE="en", **_auth(key))
    assert r.status_code == 400 and r.json()["errors"][0]


def test_valid_and_moderately_nested_json_passes(region, api_client_a):
    """The guard lets normal payloads through (the real application is filed: 201) and
    accepts nesting up to the limit."""
    _, key = api_client_a
    r = _post_json(_client(), APPLY, json.dumps(_payload(region.village_a.code)), **_auth(key))
    assert r.status_code == 201, r.content
    assert json_problem(("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH).encode()) is None
    assert json_problem(("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)).encode()) is not None
    # Not JSON or not UTF-8: left to the view's parser, which answers 400 itself.
    assert json_problem(b"{nope") is None and json_problem(b'"\xff"') is None
    r = _post_json(_client(), STATUS, b'{"case_number": "\xff"}'.decode("latin-1"))
    assert r.status_code == 400


# --- hypothesis: random unicode (surrogates included) into every form ----------------
#: any code point, surrogates included (hypothesis leaves category Cs out by default)
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=40),
    st.sampled_from(["\ud800", "\udfff", "a\ud83d", "\x00", "𠀀" * 30, "1" * 500, "-1", "1e309", "NaN"]),
)
FUZZ = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
FIELD_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.IGNORECASE)
FALLBACK_FIELDS = ["q", "case_number", "id_last6", "otp", "phone", "name", "reason", "note", "tasks", "target"]


def _encode_form(data: dict[str, str]) -> bytes:
    """application/x-www-form-urlencoded as raw bytes: lone surrogates sent as their
    UTF-8-style bytes (what a client that does not validate would send)."""
    return b"&".join(
        quote_from_bytes(k.encode("utf-8", "surrogatepass")).encode()
        + b"="
        + quote_from_bytes(v.encode("utf-8", "surrogatepass")).encode()
        for k, v in data.items()
    )


def _field_names(client, url) -> list[str]:
    page = client.get(url)
    names = FIELD_NAME.findall(page.content.decode("utf-8", "replace")) if page.status_code == 200 else []
    names = [n for n in dict.fromkeys(names) if n != "csrfmiddlewaretoken"]
    return names or FALLBACK_FIELDS


def _fuzz(client, url):
    names = _field_names(client, url)

    @FUZZ
    @given(values=st.lists(TEXT, min_size=len(names), max_size=len(names)), query=TEXT)
    def run(values, query):
        data = dict(zip(names, values, strict=True))
        r = client.post(url, _encode_form(data), content_type="application/x-www-form-urlencoded")
        assert r.status_code < 500, (url, data, r.status_code)
        r = client.get(url, {names[0]: query.encode("utf-8", "surrogatepass").decode("utf-8", "replace")})
        assert r.status_code < 500, (url, query, r.status_code)

    run()


PORTAL_FORMS = [
    "/portal/apply/",
    "/portal/apply/household/",
    "/portal/apply/members/",
    "/portal/apply/uploads/",
    "/portal/apply/consents/",
    "/portal/apply/review/",
    "/portal/status/",
    "/portal/status/code/",
    "/portal/status/leave/",
]
STAFF_FORMS = [
    "/workspace/inbox/",
    "/workspace/queue/",
    "/workspace/archive/",
    "/workspace/team/",
    "/workspace/claim/",
    "/workspace/release/",
    "/workspace/reassign/",
    "/workspace/send-back/",
    "/workspace/county/",
    "/dibao/cases/",
    "/dibao/staff-relatives/",
    "/dibao/overdue/",
    "/funds/",
    "/funds/credit/",
    "/sampling/",
    "/staff/cases/dibao/start/",
]
CASE_FORMS = ["/dibao/case/{pk}/objection/", "/history/case/{pk}/", "/workspace/case/{pk}/"]


@pytest.mark.parametrize("url", PORTAL_FORMS)
def test_portal_forms_never_answer_5xx(region, url):
    """Random unicode (lone surrogates, NUL, astral, huge numbers) in every field of every
    portal form, anonymously: never a 5xx."""
    _fuzz(_client(), url)


def test_portal_status_page_of_a_case_never_answers_5xx(online_case):
    """The status page and objection form of a real case, fuzzed the same way."""
    _fuzz(_client(), f"/portal/status/{online_case.case_number}/")


@pytest.mark.parametrize("role", ["case_worker_a", "approver_a", "county_officer"])
@pytest.mark.parametrize("url", STAFF_FORMS)
def test_staff_forms_never_answer_5xx(request, region, role, url):
    """Every staff form and filter, as each kind of staff: never a 5xx."""
    client = _client()
    client.force_login(request.getfixturevalue(role))
    _fuzz(client, url)


@pytest.mark.parametrize("url", CASE_FORMS)
def test_case_forms_never_answer_5xx(region, case_worker_a, approver_a, url):
    """The forms on a case's pages (objection, history query, case page), as the township's staff."""
    process = file_case(case_worker_a, region.village_a)
    client = _client()
    client.force_login(approver_a)
    _fuzz(client, url.format(pk=process.pk))


@FUZZ
@given(
    path=st.sampled_from([*sorted(CHOICE_PATHS.values()), ("address",), ("phone",), ("members", 0, "name")]), value=TEXT
)
def test_api_fields_with_random_text_never_5xx(region, api_client_a, path, value):
    """Random unicode in any API field: 201 or 4xx, never 5xx."""
    _, key = api_client_a
    payload = _payload(region.village_a.code)
    _set(payload, path, value)
    r = _post_json(_client(), APPLY, json.dumps(payload), **_auth(key))
    assert r.status_code < 500, (path, value, r.status_code)
    r = _post_json(_client(), STATUS, json.dumps({"case_number": value, "id_last6": value}))
    assert r.status_code < 500, (value, r.status_code)

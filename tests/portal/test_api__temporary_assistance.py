"""Integration API for temporary assistance (issue 16 item 5): file (an existing household
by a member's ID number, or a new one through the staff intake's services), status and
letters; the same token scoping (out of county = 404), validation and throttling as the
dibao endpoints."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.factories import make_id_number
from workflows.core.models import AuditEvent
from workflows.households.models import Household, HouseholdMember
from workflows.portal import throttle
from workflows.portal.models import Notification
from workflows.temporary_assistance.models import TemporaryAssistanceProcess

from .conftest import APPLICANT_ID, PHONE, SPOUSE_ID, TA_ID, ta_approve, ta_letter

BASE = "/portal/api/v1/temporary-assistance/"
NEW_ID = make_id_number(datetime.date(1985, 6, 1), seq=731)


def _auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def _request(**kw):
    data = {
        "assistance_kind": "emergency", "cause": "fire", "cause_detail": "房屋失火，家具被毁",
        "event_date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(), "requested_amount": "1200.00",
    }  # fmt: skip
    data.update(kw)
    return data


def _new_household(village_code, **kw):
    return _request(
        village_code=village_code, area="rural", address="青山村二组 3 号", phone=PHONE,
        members=[
            {"name": "赵大山", "id_number": APPLICANT_ID, "relation": "applicant", "signed_check_authorisation": True,
             "signed_truthfulness": True},
            {"name": "钱小花", "id_number": SPOUSE_ID, "relation": "spouse", "signed_check_authorisation": True},
        ], **kw,
    )  # fmt: skip


def _post(client, key, path, data):
    return client.post(BASE + path, data, "application/json", **_auth(key))


def test_file_for_a_new_household_goes_through_the_intake_services(client, region, api_client_a, sms):
    """A new household is registered by ``household_register`` (members, consents) inside
    ``case_open``: channel online, filed by the portal account, 已受理 queued for the phone."""
    _, key = api_client_a
    r = _post(client, key, "applications/", _new_household(region.village_a.code))
    assert r.status_code == 201, r.content
    process = TemporaryAssistanceProcess.objects.get(case_number=r.json()["case_number"])
    assert process.case_number.startswith("LS-") and process.township == region.township_a
    assert process.household.members.count() == 2 and process.household.phone == PHONE
    assert process.opened_by.username == "portal-online" and not process.assist_first
    opened = AuditEvent.objects.get(process_id=process.pk, action="case.open")
    assert opened.data["channel"] == "online" and opened.data["household_registered"] is True
    assert Notification.objects.filter(process_id=process.pk, stage="ta_accepted").exists()


def test_file_for_an_existing_household_by_id_number(client, ta_household, api_client_a):
    """A household already on record is found by a member's ID number in the client's county;
    no second household is created."""
    _, key = api_client_a
    before = Household.objects.count()
    r = _post(client, key, "applications/", _request(household_id_number=TA_ID))
    assert r.status_code == 201, r.content
    assert TemporaryAssistanceProcess.objects.get(case_number=r.json()["case_number"]).household == ta_household
    assert Household.objects.count() == before


def test_out_of_county_household_or_village_is_404(client, region, ta_household, api_client_b):
    """Negative: another county's client gets 404 for this county's household and village."""
    _, key = api_client_b
    assert _post(client, key, "applications/", _request(household_id_number=TA_ID)).status_code == 404
    assert _post(client, key, "applications/", _new_household(region.village_a.code)).status_code == 404
    assert not TemporaryAssistanceProcess.objects.exists()


def test_file_needs_a_token(client, region):
    """Negative: no token or a wrong one, nothing filed."""
    assert client.post(BASE + "applications/", _new_household(region.village_a.code), "application/json").status_code in (
        401, 403,
    )  # fmt: skip
    assert _post(client, "nope", "applications/", _new_household(region.village_a.code)).status_code == 401
    assert not TemporaryAssistanceProcess.objects.exists()


def test_file_validation_is_the_intake_validation(client, region, ta_household, api_client_a):
    """Bad ID (the one validator), both or neither household forms, an event in the future, a
    spending-shock household without check authorisations, a second household for a known ID:
    400 with the reasons, nothing written."""
    _, key = api_client_a
    households, members = Household.objects.count(), HouseholdMember.objects.count()
    bad_id = _new_household(region.village_a.code)
    bad_id["members"][0]["id_number"] = APPLICANT_ID[:-1] + ("0" if APPLICANT_ID[-1] != "0" else "1")
    cases = [
        bad_id,
        _request(),  # neither
        _new_household(region.village_a.code, household_id_number=TA_ID),  # both
        _new_household(region.village_a.code, event_date=(timezone.localdate() + datetime.timedelta(days=1)).isoformat()),
        _new_household(region.village_a.code, assistance_kind="spending_shock", cause="medical_expense"),
        _request(village_code=region.village_a.code, members=[{"name": "孙大海", "id_number": TA_ID,
                 "relation": "applicant", "signed_check_authorisation": True}]),  # missing new-household fields
    ]  # fmt: skip
    cases[4]["members"][0]["signed_check_authorisation"] = False
    for data in cases:
        r = _post(client, key, "applications/", data)
        assert r.status_code == 400, (data, r.content)
    again = _new_household(region.village_a.code)
    again["members"] = [
        {"name": "孙大海", "id_number": TA_ID, "relation": "applicant", "signed_check_authorisation": True}
    ]
    r = _post(client, key, "applications/", again)
    assert r.status_code == 400 and "已登记" in r.content.decode()
    assert not TemporaryAssistanceProcess.objects.exists()
    assert (Household.objects.count(), HouseholdMember.objects.count()) == (households, members)


def test_status_with_token_is_scoped_and_shows_amounts(
    client, ta_case, approver_a, ta_fund, api_client_a, api_client_b
):
    """The county's client reads the stage, approved and paid amounts and letters; another
    county's client gets 404."""
    process = ta_approve(ta_case, approver_a, amount="1500.00", first_payment="500.00")
    letter = ta_letter(process)
    _, key = api_client_a
    r = _post(client, key, "status/", {"case_number": process.case_number})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["stage"] == "approved" and body["stage_label"] == "已批准"
    assert body["approved_amount"] == "1500.00" and body["paid_amount"] == "500.00"
    assert [x["id"] for x in body["letters"]] == [letter.pk]
    _, other = api_client_b
    assert _post(client, other, "status/", {"case_number": process.case_number}).status_code == 404


def test_status_anonymous_second_factor_identical_404_and_throttle(client, ta_case, online_case):
    """Anonymous: the head's ID tail opens the TA status; an unknown number, a wrong factor and a
    dibao case number (wrong endpoint) all get the same 404; 429 once the address is throttled."""
    url = BASE + "status/"

    def post(case_number, tail, ip):
        return client.post(url, {"case_number": case_number, "id_last6": tail}, "application/json", REMOTE_ADDR=ip)

    assert post(ta_case.case_number, TA_ID[-6:], "10.6.0.1").json()["stage"] == "accepted"
    wrong = post(ta_case.case_number, "000000", "10.6.0.2")
    unknown = post("LS-990101001-2026-999999", "000000", "10.6.0.3")
    other_programme = post(online_case.case_number, APPLICANT_ID[-6:], "10.6.0.4")
    assert wrong.status_code == unknown.status_code == other_programme.status_code == 404
    assert wrong.content == unknown.content == other_programme.content
    # and the dibao endpoint does not answer for a TA case
    dibao = client.post(
        "/portal/api/v1/status/", {"case_number": ta_case.case_number, "id_last6": TA_ID[-6:]}, "application/json",
        REMOTE_ADDR="10.6.0.5",
    )  # fmt: skip
    assert dibao.status_code == 404 and dibao.content == unknown.content
    for _ in range(12):
        post(ta_case.case_number, "000000", "10.6.0.9")
    assert throttle.lookup_throttled(address="10.6.0.9", case_number=ta_case.case_number, factor="id")
    assert post(ta_case.case_number, TA_ID[-6:], "10.6.0.9").status_code == 429


def test_letters_scoped_by_county_and_programme(client, ta_case, approver_a, ta_fund, api_client_a, api_client_b):
    """The TA letter downloads for the county's client; another county's client, the dibao
    letters endpoint and an unknown id all get 404."""
    letter = ta_letter(ta_approve(ta_case, approver_a))
    _, key = api_client_a
    r = client.get(f"{BASE}letters/{letter.pk}/", **_auth(key))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    _, other = api_client_b
    assert client.get(f"{BASE}letters/{letter.pk}/", **_auth(other)).status_code == 404
    assert client.get(f"/portal/api/v1/letters/{letter.pk}/", **_auth(key)).status_code == 404
    assert client.get(f"{BASE}letters/999999/", **_auth(key)).status_code == 404

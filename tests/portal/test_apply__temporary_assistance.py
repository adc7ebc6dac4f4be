"""The applicant's online temporary-assistance request (issue 16 item 1): a new household or
one on record, the emergency, consents, proofs, review and submit, through the service the
integration API files with (TA18 1-2; MSL 7, 9 for identity and consents)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from workflows.core.models import AuditEvent
from workflows.dibao import services as dibao_services
from workflows.documents.models import CaseDocument
from workflows.households.models import Consent, Household, RigidExpense
from workflows.temporary_assistance import services as ta_services
from workflows.temporary_assistance.models import TemporaryAssistanceProcess

from .conftest import APPLICANT_ID, PDF, PHONE, SPOUSE_ID, TA_CASE_RE, TA_ID, upload

BASE = "/portal/temporary-assistance/"
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def _emergency(**kw):
    data = {"kind": "emergency", "cause": "fire", "event_date": YESTERDAY.isoformat(),
            "cause_detail": "房屋失火，家具被毁", "requested_amount": "1200.00", "repeat_reason": ""}  # fmt: skip
    data.update(kw)
    return data


def _members(rows):
    data = {"members-TOTAL_FORMS": str(len(rows)), "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": str(len(rows)), "members-MAX_NUM_FORMS": str(len(rows))}  # fmt: skip
    for i, row in enumerate(rows):
        data.update({f"members-{i}-{k}": v for k, v in {"income_kind": "wage", "monthly_income": "0", **row}.items()})
    return data


ADULTS = [
    {"name": "赵大山", "id_number": APPLICANT_ID, "relation": "applicant", "monthly_income": "100",
     "expense_kind": "illness", "expense_monthly": "800"},
    {"name": "钱小花", "id_number": SPOUSE_ID, "relation": "spouse"},
]  # fmt: skip


def ta_apply(client, region, *, emergency=None, members=ADULTS, consents=None, files=None, registered=None):
    """Walk the online request as an applicant would; returns the first response that is not a
    redirect to the next step (or the submit's redirect)."""
    r = client.post(BASE, {"village": region.village_a.pk})
    assert r.status_code == 302, r.content[:500]
    household = {"registered": "new", "area": "rural", "address": "青山村二组 3 号", "phone": PHONE,
                 "bank_account": "", "members_count": str(len(members)), "language": "zh-hans", "email": ""}  # fmt: skip
    if registered:
        household = {"registered": "registered", "registered_name": registered[0],
                     "registered_id_number": registered[1], "phone": "", "language": "zh-hans"}  # fmt: skip
    steps = [("household/", household), ("emergency/", emergency or _emergency())]
    if not registered:
        steps.append(("members/", _members(members)))
    steps.append(("uploads/", files if files is not None else {"upload_event_proof": upload("火灾证明.pdf")}))
    if not registered:
        steps.append(("consents/", consents if consents is not None else
                      {"authorise_0": "on", "authorise_1": "on", "truthfulness": "on"}))  # fmt: skip
    for path, data in steps:
        r = client.post(BASE + path, data)
        if r.status_code != 302:
            return r
    return client.post(BASE + "review/")


def test_new_household_files_online_and_sees_its_status(region, client, sms):
    """Every step without JavaScript: the case is on the TA flow, channel online, the household
    and its members registered with their consents and the medical spending, the proof kept on
    the case; the done page gives the case number and opens its status page."""
    r = ta_apply(client, region)
    assert r.status_code == 302 and r["Location"] == BASE + "done/", r.content.decode()[:3000]
    done = client.get(BASE + "done/").content.decode()
    case_number = TA_CASE_RE.search(done).group(1)
    process = TemporaryAssistanceProcess.objects.get(case_number=case_number)
    assert (process.kind, process.cause, process.event_date) == ("emergency", "fire", YESTERDAY)
    assert process.requested_amount == Decimal("1200.00")
    assert process.village == region.village_a and process.household.members.count() == 2
    assert AuditEvent.objects.get(process_id=process.pk, action="case.open").data["channel"] == "online"
    assert Consent.objects.filter(member__household=process.household, kind="check_authorisation").count() == 2
    assert RigidExpense.objects.get(household=process.household).kind == "illness"
    assert CaseDocument.objects.filter(process_id=process.pk, kind="other").count() == 1
    assert f"/portal/status/{case_number}/" in done
    status = client.get(f"/portal/status/{case_number}/")
    assert status.status_code == 200 and "临时救助" in status.content.decode()
    assert not client.session.get("portal_ta_apply")


def test_wizard_case_equals_the_api_case(region, client, api_client_a):
    """The same request through the web form and through the integration API makes the same
    case (one filing service): household, members, consents, case fields, channel, tier."""

    def snapshot(process):
        household = process.household
        return {
            "case": [process.kind, process.cause, process.event_date, process.cause_detail, process.requested_amount,
                     process.tier, process.village_id, process.assist_first, process.opened_by.username],
            "household": [household.village_id, household.area, household.address, household.phone],
            "members": sorted(household.members.values_list("name", "id_number", "relation")),
            "consents": sorted(Consent.objects.filter(member__household=household).values_list("member__name", "kind")),
            "channel": AuditEvent.objects.get(process_id=process.pk, action="case.open").data["channel"],
        }  # fmt: skip

    class Rollback(Exception):
        pass

    rows = [{k: v for k, v in m.items() if not k.startswith("expense")} for m in ADULTS]
    with pytest.raises(Rollback), transaction.atomic():
        assert ta_apply(client, region, members=rows, files={}).status_code == 302
        web = snapshot(TemporaryAssistanceProcess.objects.get())
        raise Rollback
    assert not TemporaryAssistanceProcess.objects.exists()
    _, key = api_client_a
    body = {**_emergency(), "assistance_kind": "emergency", "village_code": region.village_a.code, "area": "rural",
            "address": "青山村二组 3 号", "phone": PHONE, "members": [
                {"name": "赵大山", "id_number": APPLICANT_ID, "relation": "applicant", "monthly_income": "100",
                 "signed_check_authorisation": True, "signed_truthfulness": True},
                {"name": "钱小花", "id_number": SPOUSE_ID, "relation": "spouse", "signed_check_authorisation": True}]}  # fmt: skip
    del body["kind"]
    r = client.post("/portal/api/v1/temporary-assistance/applications/", body, "application/json",
                    HTTP_AUTHORIZATION=f"Token {key}")  # fmt: skip
    assert r.status_code == 201, r.content
    assert snapshot(TemporaryAssistanceProcess.objects.get()) == web


def _nothing_written(households=0):
    assert not TemporaryAssistanceProcess.objects.exists()
    assert Household.objects.count() == households


def test_bad_id_check_digit_is_refused_at_the_members_step(region, client):
    """Negative: a wrong GB 11643 check digit, the shared validator's message (MSL 7)."""
    bad = APPLICANT_ID[:-1] + ("0" if APPLICANT_ID[-1] != "0" else "1")
    r = ta_apply(client, region, members=[{**ADULTS[0], "id_number": bad}, ADULTS[1]])
    assert r.status_code == 200 and r.request["PATH_INFO"] == BASE + "members/"
    assert 'aria-invalid="true"' in r.content.decode()
    _nothing_written()


def test_look_alike_digits_are_refused(region, client):
    """Negative: full-width digits that look like an ID number are not one (shared validator)."""
    lookalike = APPLICANT_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    r = ta_apply(client, region, members=[{**ADULTS[0], "id_number": lookalike}, ADULTS[1]])
    assert r.status_code == 200 and 'aria-invalid="true"' in r.content.decode()
    _nothing_written()


def test_a_second_applicant_is_refused_like_the_staff_intake(region, client):
    """Negative: composition (one applicant) is dibao's household validator (MSL 7)."""
    r = ta_apply(client, region, members=[ADULTS[0], {**ADULTS[1], "relation": "applicant"}])
    assert r.status_code == 200 and r.request["PATH_INFO"] == BASE + "members/"
    _nothing_written()


def test_spending_shock_needs_every_adults_authorisation(region, client):
    """A spending-shock request is checked, so every adult authorises now (MSL 9; TA18 2);
    without the spouse's authorisation the consents step refuses, nothing is filed."""
    shock = _emergency(kind="spending_shock", cause="medical_expense")
    r = ta_apply(client, region, emergency=shock, consents={"authorise_0": "on", "truthfulness": "on"})
    assert r.status_code == 200 and r.request["PATH_INFO"] == BASE + "consents/"
    assert str(dibao_services.ERR_CHECK_AUTHORISATION).split("：")[0] in r.content.decode()
    _nothing_written()


def test_an_emergency_may_sign_the_authorisations_later(region, client):
    """Positive counterpart: an emergency files without the authorisations, which come with the
    paperwork (TA18 2(2)); the missing signatures are not recorded as signed."""
    r = ta_apply(client, region, consents={"truthfulness": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    process = TemporaryAssistanceProcess.objects.get()
    assert not Consent.objects.filter(member__household=process.household, kind="check_authorisation").exists()


def test_an_id_already_on_record_is_not_registered_twice(region, client, ta_household):
    """Negative: one person, one household (the intake's rule), so a second record cannot
    escape the frequency limit; the applicant is told to use the "registered" choice."""
    r = ta_apply(client, region, members=[{**ADULTS[0], "id_number": TA_ID}, ADULTS[1]])
    assert r.status_code == 200 and "已登记" in r.content.decode()
    _nothing_written(households=1)


def test_a_household_on_record_files_by_name_and_id(region, client, ta_household):
    """A household on record is found by a member's name and ID number in the chosen county
    and skips the members and consents steps; no second household is created."""
    r = ta_apply(client, region, registered=("孙大海", TA_ID))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert TemporaryAssistanceProcess.objects.get().household == ta_household
    assert Household.objects.count() == 1


def test_an_id_without_the_matching_name_finds_nothing(region, client, ta_household):
    """Negative: an ID number alone (printed on many papers) does not file in that family's name."""
    r = ta_apply(client, region, registered=("别人", TA_ID))
    assert r.status_code == 200 and r.request["PATH_INFO"] == BASE + "household/"
    assert not TemporaryAssistanceProcess.objects.exists()


def test_frequency_limit_is_a_clear_error_and_writes_nothing(region, client, ta_case):
    """TA18 2(3): the same event is helped once. The review page shows the translated rule
    (never a 500), the household gets no second case, no upload is kept, no audit row written."""
    audits = AuditEvent.objects.count()
    r = ta_apply(
        client, region, registered=("孙大海", TA_ID), emergency=_emergency(event_date=ta_case.event_date.isoformat())
    )
    assert r.status_code == 200 and r.request["PATH_INFO"] == BASE + "review/"
    assert "同一事件只救助一次" in r.content.decode()
    assert TemporaryAssistanceProcess.objects.count() == 1
    assert not CaseDocument.objects.exists() and AuditEvent.objects.count() == audits


def test_oversize_upload_is_refused(region, client, settings):
    """Negative: a proof over the 5 MB limit is refused at the uploads step (dibao ``validate_upload``)."""
    big = upload("大文件.pdf", PDF + b"0" * (dibao_services.MAX_UPLOAD_BYTES + 1))
    r = ta_apply(client, region, files={"upload_event_proof": big})
    assert r.status_code == 200 and r.request["PATH_INFO"] == BASE + "uploads/"
    assert 'aria-invalid="true"' in r.content.decode()
    _nothing_written()


def test_event_in_the_future_is_refused(region, client):
    """Negative: the event date cannot be after today (the filing service's rule)."""
    r = ta_apply(
        client, region, emergency=_emergency(event_date=(timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    )
    assert r.status_code == 200 and str(ta_services.ERR_EVENT_IN_FUTURE) in r.content.decode()
    _nothing_written()


def test_steps_cannot_be_skipped(region, client):
    """Opening a later step first sends the applicant back to the first missing one."""
    r = client.get(BASE + "review/")
    assert r.status_code == 302 and r["Location"] == BASE
    client.post(BASE, {"village": region.village_a.pk})
    r = client.get(BASE + "members/")
    assert r.status_code == 302 and r["Location"] == BASE + "household/"


def test_home_page_offers_the_request(client, db):
    """The portal home links to the temporary-assistance request."""
    assert BASE in client.get("/portal/").content.decode()

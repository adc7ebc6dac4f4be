"""Fixtures for the applicant portal: an online case, a capturing SMS backend,
integration clients, and a driver for the web wizard."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tests.dibao.conftest import (  # noqa: F401 - fixtures
    approver_a2,
    fake_finance_check,
)
from tests.factories import make_id_number
from workflows.dibao import services as dibao_services
from workflows.portal import services

PDF = b"%PDF-1.4\n% portal test\n"
APPLICANT_ID = make_id_number(datetime.date(1960, 4, 5), seq=417)
SPOUSE_ID = make_id_number(datetime.date(1962, 8, 9), seq=528)
PHONE = "13912345678"


class CapturingSms:
    """Records messages instead of printing them."""

    sent: list[dict] = []

    def send(self, *, phone, text):
        CapturingSms.sent.append({"phone": phone, "text": text})
        return f"m{len(CapturingSms.sent)}"


@pytest.fixture(autouse=True)
def portal_env(settings, tmp_path):
    """Fresh throttle counters, throw-away media, captured SMS, e-mail in memory."""
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_SMS_BACKEND = "tests.portal.conftest.CapturingSms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    CapturingSms.sent = []
    yield
    cache.clear()


@pytest.fixture
def sms():
    return CapturingSms


def upload(name="申请书.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def members(*, signed=True):
    return [
        dibao_services.MemberInput(
            name="赵大山", id_number=APPLICANT_ID, relation="applicant", monthly_income=Decimal("100.00"),
            signed_check_authorisation=signed, signed_truthfulness=signed,
        ),
        dibao_services.MemberInput(
            name="钱小花", id_number=SPOUSE_ID, relation="spouse", signed_check_authorisation=signed,
        ),
    ]  # fmt: skip


def application(village, **kw):
    data = {
        "village": village,
        "area": "rural",
        "address": "青山村三组 12 号",
        "phone": PHONE,
        "bank_account": "6222021234567890999",
        "members": members(),
        "uploads": [dibao_services.UploadInput(kind="application", file=upload())],
    }
    data.update(kw)
    return dibao_services.ApplicationInput(**data)


@pytest.fixture
def online_case(region):
    """A dibao case filed online in village A (no staff involved)."""
    return services.application_submit_online(
        programme="dibao", application=application(region.village_a), language="zh-hans"
    )


@pytest.fixture
def county_b(db):
    county = factories.CountyFactory(code="990202", name="邻县")
    township = factories.TownshipFactory(county=county, code="990202001", name="东岭镇")
    factories.VillageFactory(township=township, code="990202001001", name="东岭村")
    factories.configure_rules(county)
    return county


@pytest.fixture
def api_client_a(region):
    """An integrating system bound to the region's county: (client, key)."""
    return services.integration_client_create(name="12345 热线", county=region.county)


@pytest.fixture
def api_client_b(county_b):
    return services.integration_client_create(name="邻县政务网", county=county_b)


def wizard_apply(client, region, *, id_number=APPLICANT_ID, authorise=True, upload_file=None):
    """Walk the online application as an applicant would; returns the last response."""
    r = client.post("/portal/apply/", {"village": region.village_a.pk})
    assert r.status_code == 302, r.content[:500]
    r = client.post(
        "/portal/apply/household/",
        {"programme": "dibao", "area": "rural", "address": "青山村三组 12 号", "phone": PHONE, "bank_account": "",
         "deposits": "1000", "members_count": "2", "language": "zh-hans", "email": ""},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:3000]
    member_data = {"members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "2",
                   "members-MAX_NUM_FORMS": "2"}  # fmt: skip
    for i, (name, idn, rel) in enumerate([("赵大山", id_number, "applicant"), ("钱小花", SPOUSE_ID, "spouse")]):
        member_data.update({f"members-{i}-name": name, f"members-{i}-id_number": idn, f"members-{i}-relation": rel,
                            f"members-{i}-income_kind": "wage", f"members-{i}-monthly_income": "100"})  # fmt: skip
    r = client.post("/portal/apply/members/", member_data)
    if r.status_code != 302:
        return r
    r = client.post("/portal/apply/uploads/", {"upload_application": upload_file or upload()})
    if r.status_code != 302:
        return r
    consents = {"authorise_0": "on", "authorise_1": "on", "truthfulness": "on"} if authorise else {"truthfulness": "on"}
    r = client.post("/portal/apply/consents/", consents)
    if r.status_code != 302:
        return r
    return client.post("/portal/apply/review/")


CASE_RE = re.compile(r"(DB-\d{9}-\d{4}-\d{6})")


# --- temporary assistance (临时救助) ----------------------------------------------------
TA_ID = make_id_number(datetime.date(1971, 3, 14), seq=639)
TA_PHONE = "13700001234"


@pytest.fixture
def ta_household(region):
    """A household of village A with its own phone and a known head (ID number ``TA_ID``)."""
    household = factories.HouseholdFactory(village=region.village_a, phone=TA_PHONE)
    factories.MemberFactory(household=household, name="孙大海", id_number=TA_ID)
    return household


@pytest.fixture
def ta_fund(region, county_officer):
    """The township A reserve fund, so a township approval can pay."""
    from django.utils import timezone

    from workflows.funds.services import fund_allocate

    return fund_allocate(
        township=region.township_a, budget_year=timezone.localdate().year, amount=Decimal("10000.00"),
        reason="年度拨付", actor=county_officer,
    ).fund  # fmt: skip


@pytest.fixture
def ta_case(case_worker_a, ta_household, django_capture_on_commit_callbacks):
    """A 1,500-yuan emergency request filed at the township window (township tier)."""
    from tests.temporary_assistance.helpers import file_case

    with django_capture_on_commit_callbacks(execute=True):
        return file_case(case_worker_a, ta_household, requested_amount=Decimal("1500.00"))


def ta_approve(process, approver, amount="1500.00", first_payment=None):
    """The township approver decides within the limit; the first payment leaves the fund."""
    from tests.temporary_assistance.helpers import do
    from workflows.temporary_assistance import services as ta_services
    from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F

    return do(
        process, F.township_approve, approver, ta_services.case_township_approve, approve=True,
        amount=Decimal(amount), first_payment=Decimal(first_payment) if first_payment else None,
    )  # fmt: skip


def ta_letter(process):
    """Issue the decision letter as the letter job does after the decision commits."""
    from workflows.temporary_assistance import services as ta_services

    return ta_services.case_issue_letter(process_id=process.pk)


TA_CASE_RE = re.compile(r"(LS-\d{9}-\d{4}-\d{6})")

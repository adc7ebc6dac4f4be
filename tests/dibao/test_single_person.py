"""单人户 through staff intake, the real data check and the proposal (domain.md §8,
"Single-person household"): a severely disabled or seriously ill member of a low-income
family may, on application, be enrolled alone under the county's rule and multiple."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.dibao.conftest import accept, home_visit, propose
from tests.factories import make_id_number
from tests.households.conftest import urban_standard_760
from workflows.core.models.rules import SinglePersonHouseholdRule
from workflows.dibao import services
from workflows.dibao.models import DibaoProcess
from workflows.dibao.services.errors import ERR_SINGLE_PERSON_NOT_MEMBER, ERR_SINGLE_PERSON_NOT_QUALIFIED

START_URL = "/staff/cases/dibao/start/"
TEKUN_START_URL = "/staff/cases/tekun/start/"
PDF = b"%PDF-1.4\n% proof\n"
APPLICANT = ("孙建华", make_id_number(datetime.date(1972, 3, 4), seq=711), "applicant")
SPOUSE = ("钱玉兰", make_id_number(datetime.date(1974, 5, 6), seq=722), "spouse")
CHILD = ("孙小雨", make_id_number(datetime.date(2015, 7, 8), seq=733), "minor_child")


def intake_post(village, *, applicant_income="2400.00", alone=SPOUSE[0], disabled=True):
    """Urban household of 3: the applicant earns ``applicant_income``; the spouse (disabled
    unless told otherwise) has no income and asks to be enrolled alone."""
    data = {
        "village": village.pk, "area": "urban", "address": "城关社区 5 栋", "phone": "13912345678",
        "bank_account": "", "deposits": "0", "entrustment_note": "", "single_person_name": alone,
        "members-TOTAL_FORMS": "3", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "15", "members-0-signed_truthfulness": "on",
        "upload_application": SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf"),
    }  # fmt: skip
    for i, (name, id_number, relation) in enumerate((APPLICANT, SPOUSE, CHILD)):
        data.update({f"members-{i}-name": name, f"members-{i}-id_number": id_number,
                     f"members-{i}-relation": relation, f"members-{i}-income_kind": "wage",
                     f"members-{i}-monthly_income": applicant_income if i == 0 else "0"})  # fmt: skip
        if relation != "minor_child":
            data[f"members-{i}-signed_check_authorisation"] = "on"
    if disabled:
        data["members-1-is_disabled"] = "on"
    return data


def rule(county, *, enabled=True, multiple="1.50") -> SinglePersonHouseholdRule:
    # seed-style (ORM, no clean()): a version in force since 2025
    return SinglePersonHouseholdRule.objects.create(
        county=county, effective_from=datetime.date(2025, 1, 1), enabled=enabled, income_multiple=Decimal(multiple)
    )


def file_and_check(client, village, worker, **kw) -> DibaoProcess:
    response = client.post(START_URL, intake_post(village, **kw))
    assert response.status_code == 302, response.content.decode()[:3000]
    process = accept(DibaoProcess.objects.get(), worker)
    return DibaoProcess.objects.get(pk=process.pk)  # the check ran when the acceptance committed


def codes(process) -> list[str]:
    return [r["code"] for r in process.finance_result["reasons"]]


def test_eligible_member_enrolled_alone_with_the_amount_for_one(
    region, case_worker_a, case_worker_a2, client_for, finance_check
):
    """domain.md §8: household per-capita 800 (2,400 / 3) is above the urban standard 760
    but within 1.5 × 760 = 1,140; the disabled spouse (no income) is enrolled alone:
    (760 − 0) × 1 = 760.00, and the stored computation names the rule and the multiple."""
    urban_standard_760(region.county)
    version = rule(region.county)
    process = file_and_check(client_for(case_worker_a), region.village_a, case_worker_a)
    assert process.single_person_member.name == SPOUSE[0]
    assert process.finance_outcome == "eligible", process.finance_result
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    computation = process.amount_computation
    assert process.proposed_amount == Decimal("760.00"), computation
    assert computation["household_size"] == 1 and computation["formula"] == "(760.00 − 0.00) × 1 = 760.00"
    note = computation["single_person_note"]
    assert version.label in note and "收入倍数 1.50" in note and SPOUSE[0] in note and "全家 3 人" in note
    assert computation["single_person"]["rule"] == version.label


def test_case_page_shows_which_rule_applied(region, case_worker_a, case_worker_a2, client_for, finance_check):
    """domain.md §8: the proposal's computation, as staff read it, names the single-person rule."""
    from workflows.dibao.selectors import case_summary

    urban_standard_760(region.county)
    version = rule(region.county, multiple="2.00")
    process = file_and_check(client_for(case_worker_a), region.village_a, case_worker_a)
    process = propose(home_visit(process, case_worker_a, case_worker_a, case_worker_a2), case_worker_a)
    assert "收入倍数 2.00" in case_summary(process)["computation"]["single_person_note"]
    assert version.label in next(
        r["message"] for r in process.finance_result["reasons"] if r["code"] == "single_person_applied"
    )


def test_rule_off_refuses_with_a_clear_reason(region, case_worker_a, case_worker_a2, client_for, finance_check):
    """domain.md §8 (default off): a county whose rule is off refuses the request with the
    reason; the case cannot be proposed for approval."""
    urban_standard_760(region.county)
    rule(region.county, enabled=False)
    process = file_and_check(client_for(case_worker_a), region.village_a, case_worker_a)
    assert process.finance_outcome == "not_eligible"
    assert "single_person_rule_off" in codes(process)
    message = next(r["message"] for r in process.finance_result["reasons"] if r["code"] == "single_person_rule_off")
    assert "未实行单人户政策" in message
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    with pytest.raises(ValidationError):
        services.dibao_propose(process=process, approve=True, note="", actor=case_worker_a)


def test_no_rule_configured_refuses(region, case_worker_a, client_for, finance_check):
    """domain.md §8: with no version configured the rule is off."""
    urban_standard_760(region.county)
    process = file_and_check(client_for(case_worker_a), region.village_a, case_worker_a)
    assert "single_person_rule_off" in codes(process) and process.finance_outcome == "not_eligible"


def test_income_above_the_multiple_refuses(region, case_worker_a, client_for, finance_check):
    """domain.md §8: per-capita 1,200 (3,600 / 3) is above 1.5 × 760 = 1,140: refused."""
    urban_standard_760(region.county)
    rule(region.county)
    process = file_and_check(client_for(case_worker_a), region.village_a, case_worker_a, applicant_income="3600.00")
    assert "single_person_income_above" in codes(process) and process.finance_outcome == "not_eligible"


def test_intake_refuses_a_member_not_disabled_or_ill(region, case_worker_a, client_for):
    """domain.md §8: only a disabled or seriously ill member may ask; the intake says so."""
    response = client_for(case_worker_a).post(START_URL, intake_post(region.village_a, disabled=False))
    assert response.status_code == 200
    assert str(ERR_SINGLE_PERSON_NOT_QUALIFIED % {"name": SPOUSE[0]}) in response.content.decode()
    assert not DibaoProcess.objects.exclude(household=None).exists()


def test_intake_refuses_a_name_that_is_no_member(region, case_worker_a, client_for):
    """The request names a member of the household being filed."""
    response = client_for(case_worker_a).post(START_URL, intake_post(region.village_a, alone="王某"))
    assert response.status_code == 200
    assert str(ERR_SINGLE_PERSON_NOT_MEMBER % {"name": "王某"}) in response.content.decode()


def test_without_a_request_the_household_is_assessed_whole(region, case_worker_a, client_for, finance_check):
    """No name given: the whole household is assessed (800 ≥ 760: not eligible), no single-person reason."""
    urban_standard_760(region.county)
    rule(region.county)
    process = file_and_check(client_for(case_worker_a), region.village_a, case_worker_a, alone="")
    assert process.single_person_member is None
    assert not [c for c in codes(process) if c.startswith("single_person")]
    assert "income_above_standard" in codes(process)


def test_tekun_intake_has_no_single_person_field(region, case_worker_a, client_for):
    """单人户 is a dibao rule: the 特困 intake does not offer it."""
    response = client_for(case_worker_a).get(TEKUN_START_URL)
    assert response.status_code == 200
    assert "single_person_name" not in response.content.decode()
    assert "single_person_name" in client_for(case_worker_a).get(START_URL).content.decode()

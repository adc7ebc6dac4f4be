"""Intake for any household (issue 16 item 1): a household with no earlier record is registered at
temporary-assistance intake with the dibao intake's validation (MSL 7, 9; GB 11643), or an existing
one is found by a member's ID number. TA18 2(1)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from tests.factories import HouseholdFactory, MemberFactory, make_id_number
from tests.temporary_assistance.helpers import do
from workflows.funds.services import fund_verify
from workflows.households.models import Consent, Household, HouseholdMember
from workflows.households.validators import ERR_ID_CHECK
from workflows.temporary_assistance import forms, services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import TemporaryAssistanceProcess

URL = "/staff/cases/temporaryassistance/start/"
APPLICANT_ID = make_id_number(datetime.date(1975, 6, 1), seq=211)
CHILD_ID = make_id_number(datetime.date(2015, 2, 1), seq=212)


def case_fields(**overrides):
    data = {
        "kind": "emergency", "cause": "fire",
        "event_date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "cause_detail": "房屋失火", "requested_amount": "1500.00", "_viewflow_activation-started": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def new_household(village, **overrides):
    data = {
        "village": village.pk, "area": "rural", "address": "青山村三组 2 号", "phone": "13900001111",
        "bank_account": "",
        "members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-name": "李四", "members-0-id_number": APPLICANT_ID, "members-0-relation": "applicant",
        "members-0-income_kind": "wage", "members-0-monthly_income": "0",
        "members-0-signed_check_authorisation": "on", "members-0-signed_truthfulness": "on",
        "members-1-name": "李小", "members-1-id_number": CHILD_ID, "members-1-relation": "minor_child",
        "members-1-income_kind": "wage", "members-1-monthly_income": "0",
        **case_fields(),
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_new_household_filed_by_case_worker_is_approved_and_paid(region, case_worker_a, approver_a, fund_a, client_for):
    """TA18 2(1)-(2) acceptance: a household with no earlier record, filed by the case worker through the
    start form, is registered with its members and consents, approved by the township within its limit
    and paid from the township fund."""
    assert not Household.objects.exists()
    response = client_for(case_worker_a).post(URL, new_household(region.village_a))
    assert response.status_code == 302, response.content.decode()[:3000]
    process = TemporaryAssistanceProcess.objects.get()
    household = process.household
    assert household.village == region.village_a and household.township == region.township_a
    assert sorted(household.members.values_list("id_number", flat=True)) == sorted([APPLICANT_ID, CHILD_ID])
    assert Consent.objects.filter(member__household=household).count() == 2
    assert household.created_by == case_worker_a
    assert process.tier == "township" and process.township_limit == Decimal("1800.00")
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.status == "DONE" and process.paid_amount() == Decimal("1500.00")
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("8500.00")
    fund_verify(fund_a)


def test_existing_household_found_by_member_id_number(region, case_worker_a, client_for):
    """TA18 2(1): an existing household of the township is found by a member's ID number; no new record."""
    household = HouseholdFactory(village=region.village_a)
    member = MemberFactory(household=household)
    response = client_for(case_worker_a).post(URL, case_fields(find_id_number=member.id_number.lower()))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert TemporaryAssistanceProcess.objects.get().household == household
    assert Household.objects.count() == 1


def test_id_number_of_another_township_is_not_found(region, case_worker_a, client_for):
    """Scope: a household of another township is not found by ID number (and not revealed)."""
    other = HouseholdFactory(village=region.village_b)
    member = MemberFactory(household=other)
    response = client_for(case_worker_a).post(URL, case_fields(find_id_number=member.id_number))
    assert response.status_code == 200
    assert str(forms.ERR_NO_HOUSEHOLD_WITH_ID) in response.context["form"].errors["find_id_number"]
    assert not TemporaryAssistanceProcess.objects.exists()


def test_bad_id_number_of_new_member_shows_error_and_saves_nothing(region, case_worker_a, client_for):
    """GB 11643 / MSL 7: a wrong check digit is a translated field error; no household, member or case."""
    bad = APPLICANT_ID[:-1] + ("0" if APPLICANT_ID[-1] != "0" else "1")
    response = client_for(case_worker_a).post(URL, new_household(region.village_a, **{"members-0-id_number": bad}))
    assert response.status_code == 200
    assert str(ERR_ID_CHECK) in response.context["formset"].forms[0].errors["id_number"]
    assert not Household.objects.exists() and not HouseholdMember.objects.exists()
    assert not TemporaryAssistanceProcess.objects.exists()


def test_new_household_needs_exactly_one_applicant(region, case_worker_a, client_for):
    """MSL 7: without an applicant the composition is refused with the dibao intake's message."""
    from workflows.dibao.services import ERR_NO_APPLICANT

    response = client_for(case_worker_a).post(URL, new_household(region.village_a, **{"members-0-relation": "spouse"}))
    assert response.status_code == 200
    assert str(ERR_NO_APPLICANT) in " ".join(response.context["formset"].non_form_errors())
    assert not Household.objects.exists()


def test_emergency_may_sign_later_but_spending_shock_may_not(region, case_worker_a, client_for):
    """TA18 2(2) / MSL 9: an emergency household may sign the check authorisation with the paperwork;
    a spending-shock case needs it at intake, so the same data is refused and nothing saved."""
    unsigned = {"members-0-signed_check_authorisation": None, "members-0-signed_truthfulness": None}
    client = client_for(case_worker_a)
    refused = client.post(URL, new_household(region.village_a, kind="spending_shock", cause="medical_expense",
                                             **unsigned))  # fmt: skip
    assert refused.status_code == 200
    assert "核对授权书" in " ".join(refused.context["formset"].non_form_errors())
    assert not Household.objects.exists()
    accepted = client.post(URL, new_household(region.village_a, **unsigned))
    assert accepted.status_code == 302, accepted.content.decode()[:3000]
    assert TemporaryAssistanceProcess.objects.get().household.members.count() == 2


def test_person_already_registered_is_not_registered_again(region, case_worker_a, household_a, client_for):
    """One person, one household: a new household whose member's ID is already on record is refused
    (a second record would also escape the frequency limit, TA18 2(3)); the ID is shown masked."""
    known = household_a.members.get().id_number
    response = client_for(case_worker_a).post(
        URL,
        new_household(
            region.village_a,
            **{
                "members-1-id_number": known,
                "members-1-relation": "spouse",
                "members-1-signed_check_authorisation": "on",
            },
        ),
    )
    assert response.status_code == 200
    errors = " ".join(response.context["formset"].non_form_errors())
    assert "已登记在一个家庭中" in errors and known not in errors
    assert Household.objects.count() == 1 and not TemporaryAssistanceProcess.objects.exists()


def test_new_household_in_another_township_is_refused(region, case_worker_a, client_for):
    """Scope: the case worker cannot register a household in a village outside the township."""
    response = client_for(case_worker_a).post(URL, new_household(region.village_b))
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert not Household.objects.exists()


def test_no_household_at_all_is_a_form_error(region, case_worker_a, client_for):
    """Neither an existing household nor a new one: a clear error, never a 500."""
    response = client_for(case_worker_a).post(URL, case_fields())
    assert response.status_code == 200
    assert str(services.ERR_HOUSEHOLD_REQUIRED) in response.context["form"].non_field_errors()


def test_service_registers_new_household_and_rolls_back_on_refusal(region, case_worker_a):
    """Nothing half-written: a filing refused after the household rules (event in the future) leaves no
    household behind."""
    import pytest
    from django.core.exceptions import ValidationError

    from workflows.core.driving import start_case
    from workflows.dibao.services import MemberInput

    new = services.NewHousehold(
        village=region.village_a, area="rural", address="x", phone="", bank_account="",
        members=[MemberInput(name="王五", id_number=APPLICANT_ID, relation="applicant")],
    )  # fmt: skip
    with pytest.raises(ValidationError):
        start_case(F.start, user=case_worker_a, perform=lambda p: services.case_open(
            process=p, new_household=new, kind="emergency", cause="fire",
            event_date=timezone.localdate() + datetime.timedelta(days=1), cause_detail="x",
            requested_amount="100", actor=case_worker_a,
        ))  # fmt: skip
    assert not Household.objects.exists()


# --- village assistant with the applicant's entrustment (MSL 6) -----------------------------

PDF = b"%PDF-1.4\n% test\n"


def entrustment():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("委托书.pdf", PDF, content_type="application/pdf")


def test_village_assistant_files_new_household_with_entrustment(region, village_assistant_a, client_for):
    """MSL 6: a village assistant files for a new household of their village with the applicant's signed
    entrustment: the entrustment is stored on the case and recorded as the applicant's consent."""
    from workflows.documents.models import CaseDocument

    response = client_for(village_assistant_a).post(
        URL, new_household(region.village_a, upload_entrustment=entrustment())
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    process = TemporaryAssistanceProcess.objects.get()
    assert process.opened_by == village_assistant_a and process.village == region.village_a
    stored = CaseDocument.objects.get(process_id=process.pk)
    assert stored.kind == "other" and stored.filename.endswith("-entrustment.pdf") and not stored.verifiable
    applicant = process.household.members.get(relation="applicant")
    assert Consent.objects.filter(member=applicant, kind=Consent.Kind.ENTRUSTMENT).exists()


def test_village_assistant_without_entrustment_is_refused(region, village_assistant_a, client_for):
    """MSL 6: without the entrustment nothing is filed (the dibao intake's message)."""
    from workflows.dibao.services import ERR_ENTRUSTMENT

    response = client_for(village_assistant_a).post(URL, new_household(region.village_a))
    assert response.status_code == 200
    assert str(ERR_ENTRUSTMENT) in response.context["form"].non_field_errors()
    assert not Household.objects.exists() and not TemporaryAssistanceProcess.objects.exists()


def test_village_assistant_only_for_their_village(region, village_assistant_a, client_for):
    """Scope: a village assistant files neither in another village (new household) nor for a household of
    another village found by ID number."""
    client = client_for(village_assistant_a)
    response = client.post(URL, new_household(region.village_a2, upload_entrustment=entrustment()))
    assert response.status_code == 200 and "village" in response.context["form"].errors
    other = HouseholdFactory(village=region.village_a2)
    member = MemberFactory(household=other)
    response = client.post(URL, case_fields(find_id_number=member.id_number, upload_entrustment=entrustment()))
    assert response.status_code == 200 and "find_id_number" in response.context["form"].errors
    assert not TemporaryAssistanceProcess.objects.exists()


def test_case_worker_form_has_no_entrustment_field(region, case_worker_a, client_for):
    """The entrustment upload is shown only to village assistants (case workers take the request in person)."""
    page = client_for(case_worker_a).get(URL)
    assert page.status_code == 200 and "upload_entrustment" not in page.context["form"].fields


def test_village_assistant_filing_is_decided_by_the_township_approver(region, village_assistant_a, approver_a, fund_a):
    """The case a village assistant filed (direct service call) is decided and paid by the township approver as usual."""
    from workflows.core.driving import open_tasks, start_case

    household = HouseholdFactory(village=region.village_a)
    MemberFactory(household=household)
    process = start_case(F.start, user=village_assistant_a, perform=lambda p: services.case_open(
        process=p, household=household, kind="emergency", cause="fire",
        event_date=timezone.localdate() - datetime.timedelta(days=1), cause_detail="x",
        requested_amount="500", entrustment=entrustment(), actor=village_assistant_a,
    ))  # fmt: skip
    assert process.opened_by == village_assistant_a
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="500")
    assert not open_tasks(process).exists()

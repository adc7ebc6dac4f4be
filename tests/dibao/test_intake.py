"""Intake (MSL 4-11): field-level translated errors, nothing saved on invalid input."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_id_number
from workflows.dibao import services
from workflows.dibao.models import Attachment, DibaoProcess
from workflows.households.models import Consent, Household
from workflows.households.validators import ERR_ID_CHECK

from .conftest import PDF, file_case, member

START_URL = "/staff/cases/dibao/start/"


def post_data(village, **overrides):
    applicant = make_id_number(datetime.date(1970, 3, 1), seq=101)
    data = {
        "village": village.pk, "area": "rural", "address": "青山村一组 8 号", "phone": "13912345678",
        "bank_account": "", "deposits": "0", "entrustment_note": "",
        "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-name": "张三", "members-0-id_number": applicant, "members-0-relation": "applicant",
        "members-0-income_kind": "wage", "members-0-monthly_income": "0",
        "members-0-signed_check_authorisation": "on", "members-0-signed_truthfulness": "on",
        "upload_application": SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf"),
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_valid_paper_application_creates_case(region, case_worker_a, client_for):
    """A complete application through the start form files the case, the household,
    the consents and the upload, and sends the case to acceptance."""
    response = client_for(case_worker_a).post(START_URL, post_data(region.village_a))
    assert response.status_code == 302, response.content.decode()[:2000]
    process = DibaoProcess.objects.get()
    assert process.channel == "paper_case_worker" and process.household.size == 1
    assert Attachment.objects.filter(process=process, kind="application").count() == 1
    assert Consent.objects.filter(member__household=process.household).count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"members-0-id_number": "990101197003011012"}, "id_number", ERR_ID_CHECK),
        ({"members-0-signed_check_authorisation": None}, None, "核对授权书"),
        ({"members-0-signed_truthfulness": None}, None, str(services.ERR_TRUTHFULNESS)),
        ({"members-0-relation": "spouse"}, None, str(services.ERR_NO_APPLICANT)),
        ({"upload_application": SimpleUploadedFile("a.exe", b"MZ..", content_type="application/pdf")},
         "upload_application", str(services.ERR_UPLOAD_TYPE)),
        ({"upload_application": SimpleUploadedFile("a.pdf", b"GIF89a", content_type="application/pdf")},
         "upload_application", str(services.ERR_UPLOAD_TYPE)),
        ({"upload_application": SimpleUploadedFile("a.pdf", PDF + b"0" * (5 * 1024 * 1024),
                                                   content_type="application/pdf")},
         "upload_application", "5 MB"),
    ],
)  # fmt: skip
def test_invalid_application_shows_field_errors_and_saves_nothing(
    region, case_worker_a, client_for, overrides, field, message
):
    """Invalid ID check digit, missing consent or commitment, no applicant, wrong file
    type or size: the form shows the translated error and no row is written."""
    response = client_for(case_worker_a).post(START_URL, post_data(region.village_a, **overrides))
    assert response.status_code == 200
    form, formset = response.context["form"], response.context["formset"]
    if field == "id_number":
        assert str(message) in formset.forms[0].errors[field]
    elif field:
        assert any(str(message) in e for e in form.errors[field])
    else:
        assert any(message in str(e) for e in formset.non_form_errors())
    assert Household.objects.count() == 0
    assert DibaoProcess.objects.count() == 0


def test_adult_child_must_be_dependent(region, case_worker_a):
    """An adult child counts as a household member only when a student or unable to
    live independently (MSL 7); otherwise nothing is saved."""
    from django.core.exceptions import ValidationError

    child = member("张小", relation="adult_child", birth=datetime.date(1995, 1, 1), seq=303)
    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_a, region.village_a, members=[member(), child])
    assert services.ERR_ADULT_CHILD in exc.value.messages
    assert Household.objects.count() == 0
    student = member("张小", relation="adult_child", birth=datetime.date(2005, 1, 1), seq=303, is_student=True)
    assert file_case(case_worker_a, region.village_a, members=[member(), student]).household.size == 2


def test_tekun_intake_requires_tk_criteria(region, case_worker_a):
    """特困 intake captures the three TK 4-8 conditions; without them nothing is filed."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_a, region.village_a, programme="tekun",
                  tekun=services.TekunInput(no_work_ability=True, no_income=False, no_supporter=True))  # fmt: skip
    assert services.ERR_TEKUN_CRITERIA in exc.value.messages
    assert Household.objects.count() == 0


def test_declared_staff_link_flags_case_on_register(region, case_worker_a, approver_a, client_for):
    """A declared link to a village committee member flags the case and lists it on
    the separate register (MSL 11), visible in the township only."""
    links = [services.StaffLinkInput(member_name="张三", staff_name="钱委员", relation="sibling",
                                     position="village_committee")]  # fmt: skip
    process = file_case(case_worker_a, region.village_a, staff_links=links)
    assert process.staff_relative
    page = client_for(approver_a).get("/dibao/staff-relatives/").content.decode()
    assert process.case_number in page and "钱委员" in page


def test_system_staff_relative_is_matched_and_excluded(region, case_worker_a, case_worker_a2):
    """A member whose ID a staff member declared as a near relative flags the case
    without any declaration, and that staff member may act on no node (MSL 11)."""
    from workflows.core.models.duties import StaffRelative

    applicant = member()
    StaffRelative.objects.create(user=case_worker_a2, id_number=applicant.id_number, relation="sibling")
    process = file_case(case_worker_a, region.village_a, members=[applicant])
    assert process.staff_relative and case_worker_a2.pk in process.staff_relative_user_ids
    assert case_worker_a2.pk in process.excluded_actor_ids("accept")


def test_start_and_task_pages_render(region, case_worker_a, case_worker_a2, fake_finance_check, client_for):
    """The intake page renders the members formset; the opinion page shows the
    means-test computation to the approver's side (MSL 23)."""
    from .conftest import accept, home_visit, propose, task_of

    client = client_for(case_worker_a)
    page = client.get(START_URL)
    assert page.status_code == 200 and "members-TOTAL_FORMS" in page.content.decode()
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = propose(home_visit(process, case_worker_a, case_worker_a, case_worker_a2), case_worker_a, approve=False)
    task = task_of(process, "sign_handler")
    url = f"/staff/cases/dibao/{process.pk}/sign_handler/{task.pk}/execute/"
    client.post(f"/staff/cases/dibao/{process.pk}/sign_handler/{task.pk}/assign/")
    page = client.get(url)
    assert page.status_code == 200
    assert process.amount_computation["formula"] in page.content.decode()


def test_decision_page_shows_the_amount_computation_to_the_township_head(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, client_for, monkeypatch
):
    """MSL 23: the township head deciding sees how the amount was computed (gap x size)
    and the due date, on the decision page itself."""
    from .conftest import accept, do, home_visit, pass_notice, propose, task_of

    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = propose(home_visit(process, case_worker_a, case_worker_a, case_worker_a2), case_worker_a)
    assert process.amount_computation["formula"] == "(400.00 − 100.00) × 2 = 600.00"
    process = pass_notice(process, monkeypatch)
    process = do(process, "sign_handler", case_worker_a, services.decision_sign, role="handler", opinion="同意")
    process = do(
        process, "sign_section_chief", approver_a, services.decision_sign, role="section_chief", opinion="同意"
    )
    task = task_of(process, "sign_township_head")
    client = client_for(approver_a2)
    assert client.post(f"/staff/cases/dibao/{process.pk}/sign_township_head/{task.pk}/assign/").status_code == 302
    page = client.get(f"/staff/cases/dibao/{process.pk}/sign_township_head/{task.pk}/execute/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "(400.00 − 100.00) × 2 = 600.00" in html
    assert "办理期限" in html


def test_a_monitoring_link_prefills_the_household_of_the_users_own_villages(region, case_worker_a, client_for):
    """LI23 (主动发现): ``?household=<pk>`` from a monitoring signal prefills a new application
    with the record's village, address and members' names and relations, never their ID
    numbers, phone or bank account (a full number shown to staff is a logged access); a
    household of another township is ignored, and so is a malformed value."""
    from tests import factories

    own = factories.HouseholdFactory(village=region.village_a, address="青山村三组 8 号", phone="13800000000")
    factories.MemberFactory(household=own, name="王秀英", relation="applicant")
    other = factories.HouseholdFactory(village=region.village_b, address="河口村一组 1 号")
    factories.MemberFactory(household=other, name="赵德明", relation="applicant")
    client = client_for(case_worker_a)

    page = client.get(f"{START_URL}?household={own.pk}").content.decode()
    assert 'value="王秀英"' in page and "青山村三组 8 号" in page
    assert f'<option value="{region.village_a.pk}" selected>' in page
    member_id = own.members.get().id_number
    assert member_id not in page and "13800000000" not in page

    for query in (f"?household={other.pk}", "?household=1%C2%B2", "?household=abc"):
        page = client.get(f"{START_URL}{query}")
        assert page.status_code == 200
        html = page.content.decode()
        assert "赵德明" not in html and "河口村一组" not in html and 'value="王秀英"' not in html

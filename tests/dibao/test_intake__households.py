"""Staff intake for every household (issue 14 item 3): 1 to 15 members, blank and
removed rows ignored, the no-JavaScript "add a row" fallback, uploads kept across a
failed submit, the error summary (MSL 7 household composition)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_id_number
from workflows.dibao.forms import ERR_NO_MEMBERS, ERR_TOO_MANY_MEMBERS, MAX_MEMBERS
from workflows.dibao.models import Attachment, DibaoProcess
from workflows.households.models import Household, HouseholdMember
from workflows.households.validators import ERR_ID_CHECK

from .conftest import PDF

START_URL = "/staff/cases/dibao/start/"
TEKUN_URL = "/staff/cases/tekun/start/"


def household(village, n_rows, **overrides):
    data = {
        "village": village.pk, "area": "rural", "address": "青山村一组 8 号", "phone": "13912345678",
        "bank_account": "", "deposits": "0", "entrustment_note": "",
        "members-TOTAL_FORMS": str(n_rows), "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": str(MAX_MEMBERS),
        "upload_application": SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf"),
    }  # fmt: skip
    for i in range(n_rows):
        # the browser sends the preselected choices of a blank row too
        data.update({f"members-{i}-relation": "applicant", f"members-{i}-income_kind": "wage",
                     f"members-{i}-monthly_income": "0"})  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def person(i, name, relation, birth, seq):
    return {
        f"members-{i}-name": name,
        f"members-{i}-id_number": make_id_number(birth, seq=seq),
        f"members-{i}-relation": relation,
        f"members-{i}-signed_check_authorisation": "on",
        **({f"members-{i}-signed_truthfulness": "on"} if relation == "applicant" else {}),
    }


APPLICANT = person(0, "张三", "applicant", datetime.date(1970, 3, 1), 101)


def test_one_person_tekun_household_files_with_a_blank_extra_row(region, case_worker_a, client_for):
    """A 1-person 特困 household files even though the page posts a blank second row (MSL 7)."""
    data = household(region.village_a, 2, no_work_ability="on", no_income="on", no_supporter="on", **APPLICANT)
    response = client_for(case_worker_a).post(TEKUN_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    process = DibaoProcess.objects.get()
    assert process.programme == "tekun" and process.household.size == 1


def test_household_of_fifteen_files_and_sixteen_is_refused(region, case_worker_a, client_for):
    """15 members file; a 16th row is refused with a clear error and nothing is saved."""
    rows = dict(APPLICANT)
    for i in range(1, MAX_MEMBERS):
        rows.update(person(i, f"成员{i}", "other", datetime.date(1960, 1, 1), 200 + i))
    response = client_for(case_worker_a).post(START_URL, household(region.village_a, MAX_MEMBERS, **rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert DibaoProcess.objects.get().household.size == MAX_MEMBERS

    rows.update(person(MAX_MEMBERS, "多一人", "other", datetime.date(1961, 1, 1), 300))
    response = client_for(case_worker_a).post(START_URL, household(region.village_a, MAX_MEMBERS + 1, **rows))
    assert response.status_code == 200
    expected = str(ERR_TOO_MANY_MEMBERS) % {"num": MAX_MEMBERS}
    assert [str(e) for e in response.context["formset"].non_form_errors()] == [expected]
    assert DibaoProcess.objects.count() == 1


def test_three_members_file_and_a_removed_row_is_ignored(region, case_worker_a, client_for):
    """Rows marked deleted are not filed, whatever they contain; the other three are."""
    rows = {
        **APPLICANT,
        **person(1, "李四", "spouse", datetime.date(1972, 5, 5), 102),
        **person(2, "张小", "minor_child", datetime.date(2015, 6, 1), 103),
        **person(3, "删掉", "other", datetime.date(1950, 1, 1), 104),
        "members-3-DELETE": "on",
        "members-3-id_number": "not an id",
    }
    response = client_for(case_worker_a).post(START_URL, household(region.village_a, 4, **rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    names = set(HouseholdMember.objects.values_list("name", flat=True))
    assert names == {"张三", "李四", "张小"}


def test_all_rows_blank_is_a_clear_error(region, case_worker_a, client_for):
    """No member at all: a translated error in the summary, nothing saved."""
    response = client_for(case_worker_a).post(START_URL, household(region.village_a, 2))
    assert response.status_code == 200
    assert str(ERR_NO_MEMBERS) in [str(e) for e in response.context["formset"].non_form_errors()]
    assert str(ERR_NO_MEMBERS) in response.content.decode()
    assert Household.objects.count() == 0


def test_add_a_row_button_adds_a_row_without_errors_or_filing(region, case_worker_a, client_for):
    """The no-JavaScript fallback: "添加一名成员" re-renders with one more row, keeps what was
    typed, shows no errors and files nothing."""
    data = household(region.village_a, 1, address="", add_member="1", **APPLICANT)
    response = client_for(case_worker_a).post(START_URL, data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.total_form_count() == 2
    body = response.content.decode()
    assert 'id="error-summary"' not in body
    assert 'value="张三"' in body
    assert DibaoProcess.objects.count() == 0


def test_upload_is_kept_after_a_validation_error(region, case_worker_a, client_for):
    """An upload made with an invalid ID is kept ("已上传: name, 可替换") and used when the
    corrected form is submitted without choosing the file again."""
    client = client_for(case_worker_a)
    bad = household(region.village_a, 1, **{**APPLICANT, "members-0-id_number": "990101197003011012"})
    response = client.post(START_URL, bad)
    assert response.status_code == 200
    body = response.content.decode()
    assert str(ERR_ID_CHECK) in body
    assert "已上传：申请书.pdf，可替换" in body
    token = response.context["staging_token"]

    fixed = household(region.village_a, 1, upload_application=None, staging_token=token, **APPLICANT)
    response = client.post(START_URL, fixed)
    assert response.status_code == 302, response.content.decode()[:3000]
    attachment = Attachment.objects.get(kind="application")
    assert attachment.file.read().startswith(b"%PDF")


def test_staged_upload_is_not_usable_from_another_session(
    region, case_worker_a, case_worker_a2, client_for, django_user_model
):
    """A staging token belongs to the session that made it: another user posting it gets
    the "required" error, not the first user's file."""
    client = client_for(case_worker_a)
    bad = household(region.village_a, 1, **{**APPLICANT, "members-0-id_number": "990101197003011012"})
    token = client.post(START_URL, bad).context["staging_token"]
    client.logout()
    other = client_for(case_worker_a2)
    response = other.post(START_URL, household(region.village_a, 1, upload_application=None, staging_token=token,
                                               **APPLICANT))  # fmt: skip
    assert response.status_code == 200
    assert "upload_application" in response.context["form"].errors
    assert DibaoProcess.objects.count() == 0


def test_error_summary_links_to_each_field(region, case_worker_a, client_for):
    """Errors are listed at the top (focusable summary) and shown at each field."""
    data = household(region.village_a, 1, address="", **{**APPLICANT, "members-0-id_number": "990101197003011012"})
    response = client_for(case_worker_a).post(START_URL, data)
    body = response.content.decode()
    assert 'id="error-summary"' in body and 'tabindex="-1"' in body
    assert 'href="#id_address"' in body and 'href="#id_members-0-id_number"' in body
    assert 'id="id_members-0-id_number_error"' in body


@pytest.mark.parametrize("url", [START_URL, TEKUN_URL])
def test_intake_page_is_a_workspace_page(region, village_assistant_a, client_for, url):
    """The page is in the staff workspace (viewport meta, no viewflow Material elements),
    loads its script from a static file and has the add-a-row fallback."""
    response = client_for(village_assistant_a).get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="viewport"' in body and "<vf-" not in body
    assert "dibao/intake.js" in body and "<script>" not in body
    assert 'name="add_member"' in body and 'id="member-template"' in body


def test_outsider_cannot_open_intake(region, outsider, client_for):
    """A user with no filing role is refused."""
    assert client_for(outsider).get(START_URL).status_code in (302, 403)


def test_staged_files_are_removed_after_filing(region, case_worker_a, client_for, django_capture_on_commit_callbacks):
    """Once the filing commits, the staged copy is deleted (the case keeps its own)."""
    from django.core.files.storage import default_storage

    from workflows.dibao.staging import SESSION_KEY

    client = client_for(case_worker_a)
    bad = household(region.village_a, 1, **{**APPLICANT, "members-0-id_number": "990101197003011012"})
    token = client.post(START_URL, bad).context["staging_token"]
    (entry,) = client.session[SESSION_KEY][token].values()
    assert default_storage.exists(entry["path"])
    fixed = household(region.village_a, 1, upload_application=None, staging_token=token, **APPLICANT)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(START_URL, fixed).status_code == 302
        assert default_storage.exists(entry["path"])  # kept until the filing commits
    assert not default_storage.exists(entry["path"])
    assert Attachment.objects.get(kind="application").file.read().startswith(b"%PDF")


def test_village_of_another_township_is_refused(region, case_worker_b, client_for):
    """A case worker of township B cannot file for a village of township A: a field error, nothing saved."""
    response = client_for(case_worker_b).post(START_URL, household(region.village_a, 1, **APPLICANT))
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert DibaoProcess.objects.count() == 0


def test_errors_of_a_removed_row_are_not_listed(region, case_worker_a, client_for):
    """A removed row with a bad ID does not appear in the error summary of another error."""
    data = household(region.village_a, 2, address="", **APPLICANT, **{
        "members-1-name": "删掉", "members-1-id_number": "bad", "members-1-DELETE": "on"})  # fmt: skip
    response = client_for(case_worker_a).post(START_URL, data)
    summary = [message for _anchor, message in response.context["error_summary"]]
    assert any("家庭住址" in m for m in summary)
    assert not any("第 2 位成员" in m for m in summary)

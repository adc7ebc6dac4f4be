"""The staff temporary-assistance intake's member rows are the dibao intake's (issue 16 item 1;
MSL 7 composition, TA18 2(1)): 1 to 15 rows, added and removed on the page (static/dibao/intake.js,
templates/dibao/_member_rows.html) or, without JavaScript, by the add button and the delete box."""

import datetime

from tests.factories import make_id_number
from tests.temporary_assistance.test_intake__any_household import URL, new_household
from workflows.dibao.forms import ADD_MEMBER, MAX_MEMBERS
from workflows.households.models import Household
from workflows.temporary_assistance.models import TemporaryAssistanceProcess

SPOUSE_ID = make_id_number(datetime.date(1977, 3, 4), seq=213)


def test_intake_page_has_the_shared_member_rows(region, case_worker_a, client_for):
    """The page carries the shared rows: the row container with its maximum, the row template
    for the script, the add button and a per-row delete box."""
    page = client_for(case_worker_a).get(URL)
    assert page.status_code == 200
    html = page.text
    assert f'id="member-rows" data-max="{MAX_MEMBERS}"' in html
    assert 'id="member-template"' in html and f'name="{ADD_MEMBER}"' in html
    assert 'name="members-0-DELETE"' in html
    assert "dibao/intake.js" in html


def test_add_member_button_adds_a_row_without_filing(region, case_worker_a, client_for):
    """Without JavaScript, "添加一名成员" returns the page with one more blank row and no errors;
    nothing is filed and no household is registered."""
    data = new_household(region.village_a, **{ADD_MEMBER: "1"})
    page = client_for(case_worker_a).post(URL, data)
    assert page.status_code == 200
    assert 'name="members-2-name"' in page.text and 'name="members-3-name"' not in page.text
    assert "is-invalid" not in page.text and "invalid-feedback" not in page.text
    assert not TemporaryAssistanceProcess.objects.exists() and not Household.objects.exists()


def test_three_members_filed_and_a_deleted_row_ignored(region, case_worker_a, client_for):
    """MSL 7: a third member is registered; a row marked deleted is not, even with a bad ID number."""
    data = new_household(
        region.village_a,
        **{
            "members-TOTAL_FORMS": "4",
            "members-2-name": "王芳", "members-2-id_number": SPOUSE_ID, "members-2-relation": "spouse",
            "members-2-income_kind": "wage", "members-2-monthly_income": "0",
            "members-3-name": "删掉", "members-3-id_number": "123", "members-3-relation": "other",
            "members-3-DELETE": "on",
        },
    )  # fmt: skip
    response = client_for(case_worker_a).post(URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    household = TemporaryAssistanceProcess.objects.get().household
    assert sorted(household.members.values_list("name", flat=True)) == sorted(["李四", "李小", "王芳"])


def test_more_than_fifteen_members_is_refused(region, case_worker_a, client_for):
    """The rows stop at 15, as in the dibao intake: a 16-row post is a form error and files nothing."""
    page = client_for(case_worker_a).post(URL, new_household(region.village_a, **{"members-TOTAL_FORMS": "16"}))
    assert page.status_code == 200
    assert not TemporaryAssistanceProcess.objects.exists() and not Household.objects.exists()


def test_deleting_every_member_is_refused(region, case_worker_a, client_for):
    """A new household needs at least the applicant: all rows deleted is a form error."""
    data = new_household(region.village_a, **{"members-0-DELETE": "on", "members-1-DELETE": "on"})
    page = client_for(case_worker_a).post(URL, data)
    assert page.status_code == 200 and "请至少填写一名家庭成员" in page.text
    assert not Household.objects.exists()


def test_monitoring_link_preselects_its_household_only_in_scope(
    region, case_worker_a, client_for, household_a, household_b
):
    """LI23 (主动发现): a monitoring signal opens the intake with ``?household=<pk>`` and the
    household is preselected; a household of another township is not offered, and a malformed
    value is ignored rather than answered with an error."""
    client = client_for(case_worker_a)
    own = client.get(f"{URL}?household={household_a.pk}")
    assert own.status_code == 200
    assert f'<option value="{household_a.pk}" selected>' in own.text
    other = client.get(f"{URL}?household={household_b.pk}")
    assert other.status_code == 200
    select = other.text.split('name="household"', 1)[1].split("</select>", 1)[0]
    assert f'value="{household_b.pk}"' not in select and "selected" not in select
    assert client.get(f"{URL}?household=1%C2%B2").status_code == 200

"""The product fixes the browser journeys needed, pinned without a browser: the case page
links the staff objection form only while the notice is open (MSL 19); the
investigator choice names people by display name, not login (issue 14 §2); the
temporary-assistance intake is titled and styled; the assist-first payment shows what it
pays for (TA18 2(2))."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse

from tests.dibao.conftest import accept, clock, file_case, home_visit, pass_notice, propose
from tests.temporary_assistance.conftest import fund_a, household_a  # noqa: F401 - fixtures
from tests.temporary_assistance.helpers import file_case as file_case_ta
from workflows.core.driving import open_tasks
from workflows.dibao.forms import HomeVisitForm
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow


def test_case_page_links_the_objection_form_only_during_the_notice(
    region, case_worker_a, case_worker_a2, fake_finance_check, monkeypatch, client_for
):
    """MSL 19: during the 7-day notice the case page says so and links 登记公示异议; after it, not."""
    process = file_case(case_worker_a, region.village_a)
    process = fake_finance_check.finish(accept(process, case_worker_a), per_capita_income="100.00")
    process = propose(home_visit(process, case_worker_a, case_worker_a, case_worker_a2), case_worker_a)
    client = client_for(case_worker_a)
    link = reverse("dibao:staff_objection", args=[process.pk])
    page = client.get(reverse("workspace:case", args=[process.pk])).content.decode()
    assert "公示中，至" in page and link in page
    pass_notice(process, monkeypatch)
    with clock(monkeypatch, datetime.timedelta(days=7, minutes=2)):  # the week has passed
        page = client.get(reverse("workspace:case", args=[process.pk])).content.decode()
    assert "公示中，至" not in page and link not in page


def test_investigators_are_offered_by_display_name(region, case_worker_a, case_worker_a2):
    """MSL 16, issue 14 §2: the two investigators are chosen by their names, never logins."""
    process = file_case(case_worker_a, region.village_a)
    labels = [label for _value, label in HomeVisitForm(process=process).fields["investigator_1"].choices][1:]
    assert case_worker_a.get_full_name() in labels and case_worker_a2.get_full_name() in labels
    assert case_worker_a.username not in labels


def test_temporary_assistance_intake_is_titled_and_styled(region, case_worker_a, client_for):
    """Issue 14 §5: the start form is titled by its step (受理临时救助申请), not viewflow's node
    name "Start", and its controls carry the staff design system's classes."""
    page = client_for(case_worker_a).get("/staff/cases/temporaryassistance/start/").content.decode()
    assert ">受理临时救助申请</h1>" in page and ">Start<" not in page
    assert re.search(r'<select name="household" class="form-select"', page)
    assert re.search(r'<input type="number" name="requested_amount"[^>]*class="form-control', page)


def test_assist_first_payment_page_shows_the_request_and_the_limit(
    region, case_worker_a, approver_a, household_a, fund_a, client_for,  # noqa: F811 - fixtures
):  # fmt: skip
    """TA18 2(2), SAI 48: the approver paying first sees the request, its cause and the
    township's limit next to the amount, as on an approval."""
    process = file_case_ta(case_worker_a, household_a, assist_first=True)
    task = open_tasks(process, TemporaryAssistanceFlow.assist_first_pay).get()
    client = client_for(approver_a)
    base = f"/staff/cases/temporaryassistance/{process.pk}/assist_first_pay/{task.pk}"
    client.post(f"{base}/assign/")
    page = client.get(f"{base}/execute/").content.decode()
    assert "先行发放金额（元）" in page
    assert "1,500.00" in page and "火灾" in page and "房屋失火" in page
    assert "乡镇审批限额（元）" in page and f"{process.township_limit:,.2f}" in page


def test_temporary_assistance_intake_errors_are_summarised(region, case_worker_a, client_for):
    """Bad input gives a translated summary at the top and the error at the field, never a 500."""
    response = client_for(case_worker_a).post(
        "/staff/cases/temporaryassistance/start/", {"requested_amount": "-5", "_viewflow_activation-started": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="ws-error-summary"' in page
    assert 'id="id_requested_amount_error"' in page

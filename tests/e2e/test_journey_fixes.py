"""The product fixes the browser journeys needed, pinned without a browser: the case page
links the staff objection form only while the notice is open (MSL 19), and the
investigator choice names people by display name, not login (issue 14 §2)."""

from __future__ import annotations

import datetime

from django.urls import reverse

from tests.dibao.conftest import accept, clock, file_case, home_visit, pass_notice, propose
from workflows.dibao.forms import HomeVisitForm


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

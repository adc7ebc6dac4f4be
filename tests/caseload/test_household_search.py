"""Staff reach any household of their townships, not only those with a re-check due: a
search by a member's name or ID number (in full or its last digits) lists matching
households of the user's own townships (region isolation, domain.md §1), with ID numbers
masked, each linked to its benefit page; payment-roll lines link there too."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from workflows.caseload import services
from workflows.caseload.models import Benefit
from workflows.caseload.months import next_month
from workflows.payroll import services as payroll

from .test_import import _csv, _ids, _rows, _today

SEARCH = reverse("caseload:household_search")


@pytest.fixture
def imported(region, county_officer):
    """王老汉's household (青山镇) and 陈建国's (河口镇), brought in by the import."""
    services.caseload_import(content=_csv(_rows()), file_name="名册.csv", dry_run=False, actor=county_officer)
    return Benefit.objects.get(programme="dibao").household, Benefit.objects.get(programme="tekun").household


def _page(client, q):
    response = client.post(SEARCH, {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def _results(page: str) -> str:
    """The results table (the form above it echoes the query)."""
    return page[page.index('id="household-results"') :]


@pytest.mark.parametrize("how", ["name", "part_of_name", "full_id", "last_digits"])
def test_a_worker_finds_a_household_of_their_township(imported, client_for, case_worker_a, how):
    """By the head's or a member's name, a full ID number or its last 4 digits; the result
    links to the benefit page and never shows the full ID number."""
    household, _ = imported
    old_id = _ids()["old"]
    q = {"name": "王老汉", "part_of_name": "秀英", "full_id": old_id, "last_digits": old_id[-4:]}[how]
    page = _page(client_for(case_worker_a), q)
    assert reverse("caseload:household", args=[household.pk]) in page and "王老汉" in page
    assert old_id not in page and _ids()["old_wife"] not in page
    assert f"{old_id[:4]}**********{old_id[-4:]}" in page


def test_another_townships_staff_find_nothing_and_get_404(imported, client_for, case_worker_b, approver_b):
    """Region isolation: 河口镇's staff search 青山镇's household by name or full ID and get
    no result; its benefit page is a 404 for them. Their own household is found."""
    household, theirs = imported
    for user in (case_worker_b, approver_b):
        client = client_for(user)
        for q in ("王老汉", _ids()["old"], _ids()["old"][-6:]):
            page = _results(_page(client, q))
            assert reverse("caseload:household", args=[household.pk]) not in page and "王老汉" not in page
        assert client.get(reverse("caseload:household", args=[household.pk])).status_code == 404
        assert reverse("caseload:household", args=[theirs.pk]) in _page(client, "陈建国")


def test_the_county_finds_households_of_all_its_townships(imported, client_for, county_officer):
    household, theirs = imported
    page = _page(client_for(county_officer), "老汉")
    assert reverse("caseload:household", args=[household.pk]) in page
    assert reverse("caseload:household", args=[theirs.pk]) not in page


@pytest.mark.parametrize("q", ["", "王", "1", "张无忌", "999999"])
def test_too_short_or_unmatched_queries_list_nothing(imported, client_for, case_worker_a, q):
    """Negative: a query shorter than 2 characters, a name nobody has, digits no ID number
    ends with: no household listed."""
    household, _ = imported
    assert reverse("caseload:household", args=[household.pk]) not in _page(client_for(case_worker_a), q)


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.post(SEARCH, {"q": "王老汉"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_empty_form_lists_nothing(imported, client_for, case_worker_a):
    """Opening the page (GET) shows the form only; nothing is searched."""
    page = client_for(case_worker_a).get(SEARCH).content.decode()
    assert 'name="q"' in page and "household-results" not in page


def test_the_search_asks_the_database_the_same_number_of_times_for_1_or_12_households(
    region, client_for, case_worker_a
):
    """A constant query count: members and benefits are prefetched, not read per row."""
    client = client_for(case_worker_a)

    def household(n):
        h = factories.HouseholdFactory(village=region.village_a)
        factories.MemberFactory(household=h, name=f"孙立{n:02d}")
        factories.MemberFactory(household=h, name=f"孙立{n:02d}妻")
        return h

    household(0)
    _page(client, "孙立")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one:
        assert _page(client, "孙立00").count("caseload/household/") == 1
    for n in range(1, 12):
        household(n)
    with CaptureQueriesContext(connection) as many:
        assert _page(client, "孙立").count("caseload/household/") == 12
    assert len(many) == len(one)


def test_payment_roll_lines_link_to_the_household_page(imported, region, client_for, case_worker_a, monkeypatch):
    household, _ = imported
    month = next_month(_today())
    monkeypatch.setattr(payroll, "_today", lambda: month - datetime.timedelta(days=1))
    roll = payroll.roll_generate(township=region.township_a, month=month, actor=case_worker_a)
    page = client_for(case_worker_a).get(reverse("payroll:detail", args=[roll.pk])).content.decode()
    assert roll.lines.filter(household=household).exists()
    assert reverse("caseload:household", args=[household.pk]) in page

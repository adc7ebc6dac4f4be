"""The workspace navigation and the case page offer only what opens for the user
(issue 7 item 2, issue 10 item 1): a link that answers 403 is a dead end on a phone."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.skeleton.test_flow import open_case

NAV = re.compile(r'<nav class="ws-nav".*?</nav>', re.S)


def nav_links(client) -> set[str]:
    response = client.get("/workspace/inbox/")
    assert response.status_code == 200
    return set(re.findall(r'href="([^"]+)"', NAV.search(response.content.decode()).group(0)))


def test_township_staff_are_not_offered_the_county_dashboard(client_for, case_worker_a, approver_a):
    """A case worker and a township approver see inbox, queue, archive and the flows'
    pages, not the county statistics (403 for them); the approver also sees the team list."""
    worker = nav_links(client_for(case_worker_a))
    assert {"/workspace/inbox/", "/workspace/queue/", "/workspace/archive/", "/staff/"} <= worker
    assert "/workspace/county/" not in worker and "/workspace/team/" not in worker
    assert client_for(case_worker_a).get("/workspace/county/").status_code == 403

    approver = nav_links(client_for(approver_a))
    assert "/workspace/team/" in approver and "/workspace/county/" not in approver


@pytest.mark.parametrize("role", ["county_officer", "county_reviewer", "auditor"])
def test_county_roles_are_offered_the_dashboard_and_it_opens(request, client_for, role):
    """Officers, reviewers and auditors see the county statistics link, and it opens."""
    client = client_for(request.getfixturevalue(role))
    assert "/workspace/county/" in nav_links(client)
    assert client.get("/workspace/county/", follow=True).status_code == 200


def test_administrator_without_a_region_gets_the_admin_site_not_the_flows(client_for, region):
    """A system administrator with no region: no link to the flows' pages (403 for them),
    a link to the admin site instead."""
    admin = factories.UserFactory(username="sysadmin", is_staff=True)
    client = client_for(admin)
    links = nav_links(client)
    assert "/staff/" not in links and "/admin/" in links
    assert client.get("/staff/", follow=True).status_code == 403


def test_case_page_offers_no_cancel_button(client_for, region, case_worker_a, approver_a, county_officer):
    """viewflow's case page offers "Cancel" on every running case; a case flow never allows
    a manual cancel (MSL 29), so no role sees the button, and the URL stays refused."""
    case = open_case(case_worker_a, region.village_a)
    url = f"/staff/cases/skeleton/{case.pk}/"
    for user in (case_worker_a, approver_a, county_officer):
        client = client_for(user)
        body = client.get(url).content.decode()
        assert case.case_number in body or f"#{case.pk}" in body
        assert f"{url}cancel/" not in body, user
        assert client.get(f"{url}cancel/").status_code == 403

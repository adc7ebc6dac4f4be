"""The workspace navigation and the case page offer only what opens for the user
(issue 7 item 2, issue 10 item 1): a link that answers 403 is a dead end on a phone."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.skeleton.test_flow import open_case

NAV = re.compile(r'<nav class="ws-nav[^"]*".*?</nav>', re.S)


def nav_links(client) -> set[str]:
    response = client.get("/workspace/inbox/")
    assert response.status_code == 200
    return set(re.findall(r'href="([^"]+)"', NAV.search(response.content.decode()).group(0)))


def test_township_staff_are_not_offered_the_county_dashboard(client_for, case_worker_a, approver_a):
    """A case worker and a township approver see inbox, queue, archive and the case lists,
    not the county statistics (403 for them) nor viewflow's own pages (/staff/, no longer
    linked: issue 14); the approver also sees the team list."""
    worker = nav_links(client_for(case_worker_a))
    assert {"/workspace/inbox/", "/workspace/queue/", "/workspace/archive/", "/dibao/cases/"} <= worker
    # viewflow's URLs only for the intake forms, which render in the staff base
    assert {link for link in worker if link.startswith("/staff/")} == {
        "/staff/cases/dibao/start/",
        "/staff/cases/tekun/start/",
        "/staff/cases/temporaryassistance/start/",
        "/staff/cases/lowincome/start/",  # 低收入家庭认定 (LB24), issue 17 item 7
    }
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


ROLES = ["case_worker_a", "approver_a", "village_assistant_a", "county_officer", "county_reviewer", "auditor"]


@pytest.mark.parametrize("role", ROLES)
def test_every_nav_link_opens_for_its_role(request, client_for, role):
    """Each role is offered only links that open: every link of the navigation bar answers
    200 (after redirects) for the user it is shown to — no 403 or 404 dead end (issue 14 item 1)."""
    client = client_for(request.getfixturevalue(role))
    links = nav_links(client)
    assert "/workspace/inbox/" in links
    for link in sorted(links):
        assert client.get(link, follow=True).status_code == 200, (role, link)


def test_county_roles_get_funds_sampling_and_overdue_links(client_for, county_reviewer, case_worker_a, approver_a):
    """The county reviewer's bar has the sampling draws and report and the overdue alerts; a
    case worker (no overdue-alert role, no county role) has neither, an approver has the alerts."""
    reviewer = nav_links(client_for(county_reviewer))
    assert {"/sampling/", "/dibao/overdue/", "/funds/"} <= reviewer
    assert any(link.startswith("/sampling/report/") for link in reviewer)
    worker = nav_links(client_for(case_worker_a))
    assert "/sampling/" not in worker and "/dibao/overdue/" not in worker
    assert "/dibao/overdue/" in nav_links(client_for(approver_a))


def _badge(body: str, name: str) -> int | None:
    match = re.search(rf'id="ws-count-{name}">(\d+)<', body)
    return int(match.group(1)) if match else None


def test_nav_counts_claimable_mine_and_overdue_in_constant_queries(
    region, case_worker_a, client_for, django_assert_num_queries
):
    """The bar counts 待领取, 我的待办 and 逾期 (overdue among mine), and costs the same number
    of queries with 3 tasks as with 300 (issue 14 item 4)."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from viewflow.workflow.status import STATUS

    from tests.workspace.conftest import make_case, make_tasks
    from workflows.dibao.flows import DibaoFlow
    from workflows.workspace.models import CaseIndex

    client = client_for(case_worker_a)
    late = make_case(region.village_a)
    CaseIndex.objects.filter(process_id=late.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=30))
    make_tasks(late, DibaoFlow.accept, 1, status=STATUS.ASSIGNED, owner=case_worker_a)
    make_tasks(make_case(region.village_a), DibaoFlow.accept, 1, status=STATUS.ASSIGNED, owner=case_worker_a)
    make_tasks(make_case(region.village_a), DibaoFlow.accept, 3, status=STATUS.NEW)
    url = "/workspace/archive/"  # a page that lists none of them: the counts come from the bar
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url).content.decode()
    small = len(ctx.captured_queries)  # now: the query log is a bounded deque
    assert (_badge(body, "queue"), _badge(body, "mine"), _badge(body, "overdue")) == (3, 2, 1)
    for _ in range(3):
        make_tasks(make_case(region.village_a), DibaoFlow.accept, 99, status=STATUS.NEW)
    client.get(url)
    with django_assert_num_queries(small):
        body = client.get(url).content.decode()
    assert _badge(body, "queue") == 300


def test_no_overdue_badge_when_nothing_is_late(region, case_worker_a, client_for):
    """Without an overdue task the bar shows no 逾期 entry (a red 0 would be noise)."""
    body = client_for(case_worker_a).get("/workspace/inbox/").content.decode()
    assert _badge(body, "overdue") is None and _badge(body, "mine") == 0


def test_empty_inbox_points_to_the_queue(region, case_worker_a, client_for):
    """An empty 我的待办 says so and links to 待领取 with its count (issue 14 item 4)."""
    from viewflow.workflow.status import STATUS

    from tests.workspace.conftest import make_case, make_tasks
    from workflows.dibao.flows import DibaoFlow

    make_tasks(make_case(region.village_a), DibaoFlow.accept, 2, status=STATUS.NEW)
    body = client_for(case_worker_a).get("/workspace/inbox/").content.decode()
    assert re.search(r'<a href="/workspace/queue/">[^<]*2', body), "empty inbox must point to the queue"
    filtered = client_for(case_worker_a).get("/workspace/inbox/?q=nobody").content.decode()
    assert "没有符合条件的任务" in filtered


def test_intake_forms_are_offered_to_whom_may_file(client_for, village_assistant_a, county_reviewer):
    """新申请 lists the intake forms the user may open (a village assistant files dibao and
    特困); a county reviewer, who files nothing, is offered none; the sample flow never."""
    assistant = nav_links(client_for(village_assistant_a))
    assert {"/staff/cases/dibao/start/", "/staff/cases/tekun/start/"} <= assistant
    assert not any("skeleton" in link for link in assistant)
    assert not any(link.endswith("/start/") for link in nav_links(client_for(county_reviewer)))

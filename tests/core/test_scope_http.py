"""Region isolation over HTTP on the skeleton flow (issue 2 acceptance; domain.md §1).

viewflow alone lets anyone who may open the app see every case; here a
township-A user gets 404 on township B's case pages and never sees them listed.
"""

import pytest

from tests.skeleton.test_flow import open_case
from workflows.core.driving import open_tasks
from workflows.skeleton.flows import SkeletonFlow

BASE = "/staff/cases/skeleton"


@pytest.fixture
def case_b(region, case_worker_b):
    return open_case(case_worker_b, region.village_b, summary="河口镇案件")


def test_other_township_case_detail_is_404(client_for, approver_a, case_b):
    """Township A's approver gets 404 (not 403) on township B's case page and chart."""
    client = client_for(approver_a)
    assert client.get(f"{BASE}/{case_b.pk}/").status_code == 404
    assert client.get(f"{BASE}/{case_b.pk}/chart/").status_code == 404


def test_other_township_task_pages_are_404(client_for, approver_a, case_b):
    """Every task URL of an out-of-scope case answers 404."""
    task = open_tasks(case_b, SkeletonFlow.review).get()
    client = client_for(approver_a)
    for action in ("", "detail/", "assign/", "execute/"):
        url = f"{BASE}/{case_b.pk}/review/{task.pk}/{action}"
        assert client.get(url).status_code == 404, url


def test_task_of_other_case_cannot_ride_on_an_in_scope_case(client_for, region, case_worker_a, approver_a, case_b):
    """An in-scope process_pk with an out-of-scope task_pk is still 404."""
    own = open_case(case_worker_a, region.village_a)
    foreign_task = open_tasks(case_b, SkeletonFlow.review).get()
    response = client_for(approver_a).get(f"{BASE}/{own.pk}/review/{foreign_task.pk}/detail/")
    assert response.status_code == 404


def test_lists_show_only_own_township(client_for, region, case_worker_a, approver_a, case_b):
    """Process list, task list and queue list township A's case and not township B's."""
    own = open_case(case_worker_a, region.village_a, summary="青山镇案件")
    client = client_for(approver_a)
    for url in (f"{BASE}/flows/", f"{BASE}/tasks/", f"{BASE}/queue/", f"{BASE}/"):
        body = client.get(url).content.decode()
        assert own.case_number in body or f"/{own.pk}/" in body, url
        assert case_b.case_number not in body and f"{BASE}/{case_b.pk}/" not in body, url


def test_in_scope_case_is_visible(client_for, approver_b, case_b):
    """The positive twin: township B's approver opens the case and its review task."""
    client = client_for(approver_b)
    assert client.get(f"{BASE}/{case_b.pk}/").status_code == 200
    task = open_tasks(case_b, SkeletonFlow.review).get()
    assert client.get(f"{BASE}/{case_b.pk}/review/{task.pk}/detail/").status_code == 200


def test_county_staff_see_every_township(client_for, county_officer, case_b):
    """County staff see the county's cases (read) — region scope is the county."""
    assert client_for(county_officer).get(f"{BASE}/{case_b.pk}/").status_code == 200


def test_anonymous_is_sent_to_login(client, case_b):
    """Every staff page needs a login."""
    response = client.get(f"{BASE}/{case_b.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_outsider_without_assignment_sees_nothing(client_for, outsider, case_b):
    """A logged-in user with no assignment cannot open the app or the case."""
    client = client_for(outsider)
    assert client.get(f"{BASE}/{case_b.pk}/").status_code == 404
    assert client.get(f"{BASE}/inbox/").status_code in (403, 404)


def test_review_via_http_form(client_for, region, case_worker_a, approver_a, django_capture_on_commit_callbacks):
    """The approver claims and completes the review through the real pages; the case ends."""
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    client = client_for(approver_a)
    assert client.post(f"{BASE}/{process.pk}/review/{task.pk}/assign/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}/{process.pk}/review/{task.pk}/execute/", {"approved": "1", "note": "同意"})
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.status == "DONE"
    assert process.coerced.approved is True

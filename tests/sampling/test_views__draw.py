"""The county reviewer draws an ended period from the draw list (domain.md §7, TK 16, MSL 20),
instead of waiting for the nightly job; other county staff 403, other counties 404."""

from __future__ import annotations

from django.urls import reverse

from tests import factories
from tests.sampling.conftest import approve
from workflows.core.models import Role
from workflows.core.permissions import assignment_grant
from workflows.sampling.models import SamplingDraw, SamplingReviewProcess


def test_reviewer_draws_an_ended_period_and_the_reviews_start(
    region, case_worker_a, approver_a, county_reviewer, client_for, django_capture_on_commit_callbacks
):
    """TK 16, MSL 20: the draw list links the county's draw page; it offers the ended, undrawn
    July; drawing it stores a draw by the reviewer with a seed, starts one review per drawn case
    and shows the draw, its ratio in per cent and a link to each review case."""
    for _ in range(3):
        approve(case_worker_a, approver_a, region.village_a)
    client = client_for(county_reviewer)
    url = reverse("sampling:draw_new", args=[region.county.pk])
    assert url in client.get(reverse("sampling:draws")).content.decode()
    page = client.get(url).content.decode()
    assert '<option value="2026-07-01">2026-07-01 – 2026-07-31</option>' in page
    with django_capture_on_commit_callbacks(execute=True):  # the reviews start after commit
        response = client.post(url, {"period": "2026-07-01"})
    draw = SamplingDraw.objects.get()
    assert response.status_code == 302 and response.url == reverse("sampling:draw", args=[draw.pk])
    assert draw.created_by == county_reviewer and draw.pool_size == 3 and draw.drawn_count == 1
    review = SamplingReviewProcess.objects.get()
    detail = client.get(response.url).content.decode()  # the reviewer goes on to the review from here
    assert reverse("workspace:case", args=[review.pk]) in detail and "待复核" in detail
    assert "30%" in detail and draw.seed in detail
    assert client.post(url, {"period": "2026-07-01"}).status_code == 200  # drawn: no longer offered
    assert SamplingDraw.objects.count() == 1


def test_a_period_not_offered_is_refused(region, case_worker_a, approver_a, county_reviewer, client_for):
    """Only ended, undrawn periods can be drawn: a period still running is a form error, no draw."""
    approve(case_worker_a, approver_a, region.village_a)
    response = client_for(county_reviewer).post(
        reverse("sampling:draw_new", args=[region.county.pk]), {"period": "2099-01-01"}
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not SamplingDraw.objects.exists()


def test_other_county_staff_may_not_draw(region, case_worker_a, approver_a, county_officer, client_for):
    """Wrong role: the county officer of the same county gets 403 and no draw link; a reviewer of
    another county gets 404."""
    approve(case_worker_a, approver_a, region.village_a)
    url = reverse("sampling:draw_new", args=[region.county.pk])
    officer = client_for(county_officer)
    assert url not in officer.get(reverse("sampling:draws")).content.decode()
    assert officer.get(url).status_code == 403
    assert officer.post(url, {"period": "2026-07-01"}).status_code == 403
    other = factories.CountyFactory(code="990102", name="邻县")
    stranger = factories.UserFactory(username="reviewer_other")
    assignment_grant(user=stranger, role=Role.COUNTY_REVIEWER, region=other)
    assert client_for(stranger).post(url, {"period": "2026-07-01"}).status_code == 404
    assert not SamplingDraw.objects.exists()

"""Period report per township (domain.md §7): figures, CSV and PDF export, county scope."""

import csv
import datetime
import io
from decimal import Decimal

from django.urls import reverse

from tests import factories
from tests.sampling.conftest import correct, decide, draw_july
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.sampling import selectors
from workflows.sampling.flows import SamplingReviewFlow
from workflows.sampling.models import DrawnCase, SamplingReviewProcess

PERIOD = {"period_start": "2026-07-01", "period_end": "2026-07-31"}


def _reviewed(region, county_reviewer, case_worker_a, case_worker_b):
    """Draw July and drive the reviews to every outcome, in draw order."""
    draw = draw_july(region.county, seed=2026)
    processes = list(SamplingReviewProcess.objects.filter(drawn_case__draw=draw).order_by("drawn_case__record_id"))
    workers = {region.township_a.pk: case_worker_a, region.township_b.pk: case_worker_b}
    outcomes = ["confirmed", "correction", "revoked", None]
    for i, process in enumerate(processes):
        outcome = outcomes[i % len(outcomes)]
        if outcome == "correction":
            decide(process, county_reviewer, "correction", instructions="补充材料", today=datetime.date(2026, 8, 5))
            correct(process, workers[process.township_id])
            decide(process, county_reviewer, "confirmed", node=SamplingReviewFlow.re_review)
        elif outcome:
            decide(process, county_reviewer, outcome, note="理由", today=datetime.date(2026, 8, 5))
    return draw


def test_report_figures_equal_direct_counts(region, approvals, county_reviewer, case_worker_a, case_worker_b):
    """sampled / confirmed / corrected / revoked per township equal direct counts of the review
    cases, and error rate = (corrected + revoked) / sampled."""
    _reviewed(region, county_reviewer, case_worker_a, case_worker_b)
    rows = selectors.period_report(region.county, datetime.date(2026, 7, 1), datetime.date(2026, 7, 31))
    assert [r.township for r in rows] == [region.township_a, region.township_b]
    for row in rows:
        reviews = [d.review for d in DrawnCase.objects.filter(record__township=row.township).select_related("review")]
        assert row.sampled == len(reviews)
        assert row.confirmed == sum(1 for r in reviews if r.finding == "confirmed" and r.correction_rounds == 0)
        assert row.corrected == sum(1 for r in reviews if r.correction_rounds and r.finding != "revoked")
        assert row.revoked == sum(1 for r in reviews if r.finding == "revoked")
        assert row.pending == sum(1 for r in reviews if not r.finding)
        if row.sampled:
            assert row.error_rate == (Decimal(row.corrected + row.revoked) / row.sampled).quantize(Decimal("0.0001"))
    total = selectors.report_totals(rows, region.county)
    assert total.sampled == DrawnCase.objects.count()
    assert total.revoked >= 1 and total.corrected >= 1 and total.confirmed >= 1


def test_csv_and_pdf_export(region, approvals, county_reviewer, case_worker_a, case_worker_b, client_for):
    """County staff export the report as CSV (same figures) and as a PDF."""
    _reviewed(region, county_reviewer, case_worker_a, case_worker_b)
    client = client_for(county_reviewer)
    response = client.get(reverse("sampling:report_csv", args=[region.county.pk]), PERIOD)
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    rows = selectors.period_report(region.county, datetime.date(2026, 7, 1), datetime.date(2026, 7, 31))
    assert lines[1][:7] == [
        rows[0].township.code, rows[0].township.name, str(rows[0].sampled), str(rows[0].confirmed),
        str(rows[0].corrected), str(rows[0].revoked), str(rows[0].pending),
    ]  # fmt: skip
    assert len(lines) == 1 + len(rows) + 1  # header, townships, total

    pdf = client.get(reverse("sampling:report_pdf", args=[region.county.pk]), PERIOD)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    page = client.get(reverse("sampling:report", args=[region.county.pk]), PERIOD)
    assert region.township_a.name in page.content.decode()


def test_report_out_of_scope_is_404(region, approvals, approver_a, client_for):
    """Township staff and another county's reviewer get 404 for the county report and draws."""
    draw = draw_july(region.county, start_reviews=False)
    other = factories.CountyFactory(code="990102", name="邻县")
    factories.TownshipFactory(county=other, code="990102001", name="邻镇")
    stranger = factories.UserFactory(username="reviewer_other")
    assignment_grant(user=stranger, role=Role.COUNTY_REVIEWER, region=other)
    for user in (approver_a, stranger):
        client = client_for(user)
        assert client.get(reverse("sampling:report", args=[region.county.pk])).status_code == 404
        assert client.get(reverse("sampling:report_csv", args=[region.county.pk])).status_code == 404
        assert client.get(reverse("sampling:draw", args=[draw.pk])).status_code == 404


def test_draw_page_shows_seed_and_verification(region, approvals, county_reviewer, client_for):
    """The county reviewer sees the draw's seed, composition and that it re-computes identically."""
    draw = draw_july(region.county, start_reviews=False)
    page = client_for(county_reviewer).get(reverse("sampling:draw", args=[draw.pk])).content.decode()
    assert draw.seed in page and "复算结果一致" in page
    listing = client_for(county_reviewer).get(reverse("sampling:draws")).content.decode()
    assert draw.seed in listing

"""The sampling report's error-rate chart (issue 14 item 7): per township of the report's
draws, reviews with an error finding (corrected or revoked) ÷ drawn cases, equal to direct
counts; a township with nothing drawn has no bar; the page's query count does not grow with
the number of drawn cases; county staff only."""

import datetime
import json
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.sampling.test_report import PERIOD, _reviewed
from workflows.core import audit
from workflows.core.models import SamplingRule
from workflows.sampling.flows import SamplingReviewFlow
from workflows.sampling.models import ApprovalRecord, DrawnCase, Finding, SamplingDraw, SamplingReviewProcess


def _chart(body: str) -> dict:
    match = re.search(r'<script id="sampling-error-chart-data" type="application/json">(.*?)</script>', body, re.S)
    assert match, "no json_script block for the error-rate chart"
    return json.loads(match.group(1))


def test_error_rates_equal_direct_counts(region, approvals, county_reviewer, case_worker_a, case_worker_b, client_for):
    """Each township's bar is (corrected + revoked) ÷ drawn, counted directly on the review cases
    of the July draw; the data table under the chart lists the same rate as a percentage."""
    _reviewed(region, county_reviewer, case_worker_a, case_worker_b)
    township_c = factories.TownshipFactory(county=region.county, code="990101009", name="无抽查镇")
    body = client_for(county_reviewer).get(reverse("sampling:report", args=[region.county.pk]), PERIOD)
    body = body.content.decode()
    data = _chart(body)
    assert data["categories"] == [region.township_a.name, region.township_b.name, township_c.name]
    rates = data["groups"][0]["series"][0]["data"]
    for township, rate in zip([region.township_a, region.township_b], rates, strict=False):
        reviews = [d.review for d in DrawnCase.objects.filter(record__township=township).select_related("review")]
        errors = sum(1 for r in reviews if r.finding == Finding.REVOKED or r.correction_rounds > 0)
        assert reviews and Decimal(rate) == (Decimal(errors) / len(reviews)).quantize(Decimal("0.0001"))
        percent = f"{Decimal(rate) * 100:.2f}%"
        assert f'<th scope="row">{township.name}</th><td class="text-end">{len(reviews)}</td>' in body
        assert f'<td class="text-end">{errors}</td><td class="text-end">{percent}</td>' in body
    assert any(Decimal(r) > 0 for r in rates[:2])
    assert rates[2] is None  # nothing drawn in township C: no bar rather than 0 %


def _extra_draw(region, approver, n):
    """An August draw of ``n`` cases written directly (half revoked), for the query count."""
    draw = SamplingDraw.objects.create(
        county=region.county, period_start=datetime.date(2026, 8, 1), period_end=datetime.date(2026, 8, 31),
        rule=SamplingRule.objects.filter(county=region.county).first(), ratio=Decimal("0.1"), seed="q",
        pool_size=n, drawn_count=n, algorithm="t",
    )  # fmt: skip
    for i in range(n):
        village = (region.village_a, region.village_b)[i % 2]
        record = ApprovalRecord.objects.create(
            process_id=900_000 + i, programme="dibao", county=region.county, township=village.township,
            village=village, case_number=f"DB-X-{i}", approved_on=datetime.date(2026, 8, 2), approved_by=approver,
        )  # fmt: skip
        drawn = DrawnCase.objects.create(draw=draw, record=record, reason="random")
        SamplingReviewProcess.objects.create(
            flow_class=SamplingReviewFlow, county=region.county, township=village.township, village=village,
            drawn_case=drawn, finding=(Finding.REVOKED, Finding.CONFIRMED)[i % 2], case_number=f"CY-X-{i}",
        )  # fmt: skip


def test_report_query_count_does_not_grow_with_drawn_cases(
    region, approvals, county_reviewer, approver_a, case_worker_a, case_worker_b, client_for
):
    """The rates come from the report's one grouped query: 20 more drawn cases cost no query."""
    _reviewed(region, county_reviewer, case_worker_a, case_worker_b)
    client = client_for(county_reviewer)
    url = reverse("sampling:report", args=[region.county.pk])
    period = {"period_start": "2026-07-01", "period_end": "2026-08-31"}
    client.get(url, period)
    with CaptureQueriesContext(connection) as before:
        client.get(url, period)
    _extra_draw(region, approver_a, 20)
    audit.write_held()  # the cases just made are written, as a committed request would find them
    with CaptureQueriesContext(connection) as after:
        response = client.get(url, period)
    assert len(after.captured_queries) == len(before.captured_queries)
    assert response.context["total"].sampled == DrawnCase.objects.count()


def test_township_staff_get_no_chart(region, approvals, approver_a, client_for):
    """Township staff cannot open the county report that carries the chart (404)."""
    response = client_for(approver_a).get(reverse("sampling:report", args=[region.county.pk]), PERIOD)
    assert response.status_code == 404 and "sampling-error-chart" not in response.content.decode()

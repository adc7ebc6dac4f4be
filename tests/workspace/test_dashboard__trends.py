"""The county dashboard's monthly trend chart (issue 14 item 7): per township and month,
applications, approvals, refusals and overdue cases equal direct counts on the flows' own
tables; the chart's data reaches the page as a json_script block next to a data table; the
query count does not grow with the number of cases."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.workspace.conftest import make_case
from workflows.core import audit
from workflows.dibao.models import DibaoProcess
from workflows.workspace.dashboard import county_trends

YEAR = 2026
TODAY = datetime.date(YEAR, 6, 15)


def _d(month, day=10):
    return datetime.date(YEAR, month, day)


@pytest.fixture
def cases(region):
    """Township A: accepted in Jan (2), Mar (1); approved in Feb, refused in Mar; one open case
    overdue since April, one decided late (deadline May, decided June), one open with a deadline
    still ahead (July); a case accepted the year before. Township B: one approved in May."""
    a, b = region.village_a, region.village_b
    make_case(a, accepted_on=_d(1), decided_on=_d(2), decision="approved", due_on=_d(3), status="DONE")
    make_case(a, accepted_on=_d(1), decided_on=_d(3), decision="refused", due_on=_d(3, 20), status="DONE")
    make_case(a, accepted_on=_d(3), due_on=_d(4))  # open, overdue since April
    make_case(a, accepted_on=_d(3), decided_on=_d(6, 1), decision="approved", due_on=_d(5), status="DONE")
    make_case(a, accepted_on=_d(5), due_on=_d(7))  # deadline not reached
    make_case(a, accepted_on=datetime.date(YEAR - 1, 12, 30), due_on=datetime.date(YEAR - 1, 12, 31))
    make_case(b, accepted_on=_d(4), decided_on=_d(5), decision="approved", due_on=_d(6), status="DONE")


def _direct(township, month):
    """The four counts of one township and month, straight from the dibao table."""
    cases = DibaoProcess.objects.filter(township=township)
    in_month = {"__year": YEAR, "__month": month}
    by = lambda field: {f"{field}{k}": v for k, v in in_month.items()}  # noqa: E731
    due = cases.filter(**by("due_on"), due_on__lt=TODAY)
    overdue = due.filter(Q(decided_on__isnull=True) & ~Q(status__in=["DONE", "CANCELED"])) | due.filter(
        decided_on__gt=F("due_on")
    )
    return [
        cases.filter(**by("accepted_on")).count(),
        cases.filter(**by("decided_on"), decision="approved").count(),
        cases.filter(**by("decided_on"), decision="refused").count(),
        overdue.distinct().count(),
    ]


def test_trends_equal_direct_counts(region, cases):
    """Every township's monthly figures equal counts on the dibao table; the county line is
    their sum; the spelled-out months of the fixture land where they should."""
    trends = county_trends(region.county, year=YEAR, today=TODAY)
    *townships, total = trends
    assert [t.township for t in townships] == [region.township_a, region.township_b]
    assert total.township is None
    for trend in townships:
        for month in range(1, 13):
            got = [trend.applications[month - 1], trend.approvals[month - 1], trend.refusals[month - 1],
                   trend.overdue[month - 1]]  # fmt: skip
            assert got == _direct(trend.township, month), (trend.township, month)
    for key in ("applications", "approvals", "refusals", "overdue"):
        assert getattr(total, key) == [sum(getattr(t, key)[m] for t in townships) for m in range(12)]
    a = townships[0]
    assert a.applications[:5] == [2, 0, 2, 0, 1] and sum(a.applications) == 5  # the Dec case is last year's
    assert a.approvals[1] == 1 and a.approvals[5] == 1 and a.refusals[2] == 1
    # overdue: April (still open) and May (decided late); July's deadline is still ahead
    assert a.overdue == [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]


def test_open_overdue_months_add_up_to_the_dashboard_overdue_figure(region, cases):
    """The still-open part of the monthly overdue figure is the dashboard's own 'overdue' count."""
    from workflows.workspace.dashboard import county_figures

    rows, _ = county_figures(region.county, year=YEAR, today=TODAY)
    figures = {r.township.pk: r.overdue for r in rows}
    trends = county_trends(region.county, year=YEAR, today=TODAY)
    late_decisions = DibaoProcess.objects.filter(decided_on__gt=F("due_on"), due_on__year=YEAR, due_on__lt=TODAY)
    for trend in trends[:-1]:
        late = late_decisions.filter(township=trend.township).count()
        last_year_open = 1 if trend.township == region.township_a else 0  # its deadline was last year
        assert sum(trend.overdue) - late == figures[trend.township.pk] - last_year_open


def _chart_data(body: str) -> dict:
    match = re.search(r'<script id="county-trends-data" type="application/json">(.*?)</script>', body, re.S)
    assert match, "no json_script block for the trend chart"
    return json.loads(match.group(1))


def test_page_carries_chart_data_table_and_scripts(region, cases, county_officer, client_for):
    """The dashboard loads ECharts and charts.js from this site, has the chart container with a
    caption, the data as JSON (county total shown first) and the same figures in a table."""
    response = client_for(county_officer).get(f"/workspace/county/{region.county.pk}/?year={YEAR}")
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r'<script src="/static/vendor/echarts/echarts\.min(\.[0-9a-f]+)?\.js" defer>', body)
    assert 'data-ws-chart="county-trends-data"' in body and 'aria-labelledby="county-trends-caption"' in body
    data = _chart_data(body)
    assert [g["name"] for g in data["groups"]] == ["青山镇", region.township_b.name, "全县合计"]
    assert data["initial"] == 2 and len(data["categories"]) == 12
    assert [s["name"] for s in data["groups"][0]["series"]] == ["受理申请", "批准", "不予批准", "逾期"]
    # the table: the township's applications row lists the same twelve numbers
    row = re.search(r'<th scope="rowgroup"[^>]*>青山镇</th><th scope="row">受理申请</th>(.*?)</tr>', body, re.S)
    assert row and re.findall(r"<td>(\d+)</td>", row.group(1)) == [
        str(v) for v in data["groups"][0]["series"][0]["data"]
    ]


def test_trend_query_count_does_not_grow_with_cases(region, cases, county_officer, client_for):
    """Four grouped queries for the whole county: 40 more cases in a new township, spread over
    the months, cost no extra query."""
    client = client_for(county_officer)
    url = f"/workspace/county/{region.county.pk}/?year={YEAR}"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    township_c = factories.TownshipFactory(county=region.county, code="990101003", name="新村镇")
    village_c = factories.VillageFactory(township=township_c, code="990101003001", name="新村")
    for i in range(40):
        village = (region.village_a, region.village_b, village_c)[i % 3]
        month = i % 12 + 1
        make_case(village, accepted_on=_d(month), due_on=_d(month, 20), decided_on=_d(month, 25),
                  decision=("approved", "refused")[i % 2], status="DONE")  # fmt: skip
    audit.write_held()  # the cases just made are written, as a committed request would find them
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)
    assert len(_chart_data(response.content.decode())["groups"]) == 4


def test_trends_are_for_county_staff(region, cases, approver_a, client_for):
    """Township staff cannot open the dashboard that carries the trends (403)."""
    assert client_for(approver_a).get(f"/workspace/county/{region.county.pk}/?year={YEAR}").status_code == 403


def test_months_to_come_are_left_out_of_the_line(region, cases):
    """In the current year the months after this one carry no value (null, "-" in the table),
    not a zero; a past year shows all twelve; a future year none."""
    from workflows.workspace.dashboard import trends_chart

    trends = county_trends(region.county, year=YEAR, today=TODAY)
    now = trends_chart(trends, year=YEAR, today=TODAY)["groups"][0]["series"][0]["data"]
    assert now == [2, 0, 2, 0, 1, 0, None, None, None, None, None, None]
    later = trends_chart(trends, year=YEAR, today=datetime.date(YEAR + 1, 1, 2))["groups"][0]["series"][0]["data"]
    assert later == [2, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    earlier = trends_chart(trends, year=YEAR, today=datetime.date(YEAR - 1, 5, 1))["groups"][0]["series"][0]["data"]
    assert earlier == [None] * 12

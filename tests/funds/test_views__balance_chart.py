"""The fund page's balance line (issue 14 item 7): one point per day of the immutable ledger
(Asia/Shanghai days), each the running sum of the entries, the last one the fund's balance;
the same figures in a table; the page's query count does not grow with the ledger; money
is shown with thousands separators."""

from __future__ import annotations

import contextlib
import datetime
import json
import re
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workflows.funds import services
from workflows.funds.models import FundEntry
from workflows.funds.selectors import balance_by_day

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2025


@contextlib.contextmanager
def booked_at(when: datetime.datetime):
    """Ledger entries written inside get ``created_at`` = ``when`` (the entry's default)."""
    with mock.patch.object(FundEntry._meta.get_field("created_at"), "_get_default", lambda: when):
        yield


def at(month, day, hour, minute=0):
    return datetime.datetime(YEAR, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def ledger(region, county_officer, approver_a):
    """Allocation 10,000 on 3 Mar; payments 1,200.50 (4 Mar 10:00) and 300 (4 Mar 23:30, still
    the 4th in Shanghai, the 4th 15:30 in UTC); replenishment 500 on 5 Mar 00:30 (the 4th in
    UTC); a reversal of 200.50 of the first payment on 9 Mar."""
    with booked_at(at(3, 3, 9)):
        fund = services.fund_allocate(
            township=region.township_a, budget_year=YEAR, amount="10000.00", reason="年度拨付", actor=county_officer
        ).fund
    with booked_at(at(3, 4, 10)):
        pay = services.fund_pay(fund=fund, amount="1200.50", reason="救助", actor=approver_a)
    with booked_at(at(3, 4, 23, 30)):
        services.fund_pay(fund=fund, amount="300.00", reason="救助", actor=approver_a)
    with booked_at(at(3, 5, 0, 30)):
        services.fund_replenish(
            township=region.township_a, budget_year=YEAR, amount="500.00", reason="补充", actor=county_officer
        )
    with booked_at(at(3, 9, 15)):
        services.fund_reverse(payment=pay, amount="200.50", reason="多发退回", actor=approver_a)
    fund.refresh_from_db()
    return fund


def test_balance_by_day_is_the_running_ledger_sum_ending_at_the_balance(ledger):
    """Days are Shanghai days; each point is the sum of every entry up to that day's end
    (checked against a direct sum per day); the last point is the fund's balance."""
    points = balance_by_day(ledger)
    assert points == [
        (datetime.date(YEAR, 3, 3), Decimal("10000.00"), Decimal("10000.00")),
        (datetime.date(YEAR, 3, 4), Decimal("-1500.50"), Decimal("8499.50")),
        (datetime.date(YEAR, 3, 5), Decimal("500.00"), Decimal("8999.50")),
        (datetime.date(YEAR, 3, 9), Decimal("200.50"), Decimal("9200.00")),
    ]
    for day, _net, balance in points:
        end_of_day = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=SHANGHAI)
        assert balance == FundEntry.objects.filter(fund=ledger, created_at__lt=end_of_day).total()
    assert points[-1][2] == ledger.balance == Decimal("9200.00")
    # and the day's last entry recorded the same balance when it was written
    last = FundEntry.objects.filter(fund=ledger).order_by("-pk").first()
    assert last.balance_after == points[-1][2]


def test_an_empty_fund_has_no_line(region, county_officer):
    """A fund with no entry yet has no points (the page shows no chart)."""
    from workflows.funds.models import ReserveFund

    fund = ReserveFund.objects.create(township=region.township_b, budget_year=YEAR)
    assert balance_by_day(fund) == []


def _chart(body: str) -> dict:
    match = re.search(r'<script id="fund-balance-chart-data" type="application/json">(.*?)</script>', body, re.S)
    assert match, "no json_script block for the balance chart"
    return json.loads(match.group(1))


def test_page_shows_the_line_its_table_and_separated_money(ledger, approver_a, county_officer, client_for):
    """Township and county staff see the chart data (ending at the balance), the table of
    daily balances and every amount as 10,000.00, not 10000.00."""
    for user in (approver_a, county_officer):
        body = client_for(user).get(f"/funds/{ledger.pk}/").content.decode()
        data = _chart(body)["groups"][0]["series"][0]["data"]
        assert data == [["2025-03-03", "10000.00"], ["2025-03-04", "8499.50"], ["2025-03-05", "8999.50"],
                        ["2025-03-09", "9200.00"]]  # fmt: skip
        assert '<span id="fund-balance">9,200.00</span>' in body
        assert (
            '<th scope="row">2025-03-04</th><td class="text-end">-1,500.50</td><td class="text-end">8,499.50</td>'
            in body
        )
        assert '<td class="text-end">-1,200.50</td>' in body and "10000.00" not in body.split("</script>")[-1]
        assert 'data-ws-chart="fund-balance-chart-data"' in body and "vendor/echarts/echarts.min" in body


def test_fund_list_shows_separated_balances(ledger, approver_a, client_for):
    """The fund list shows the balance as 9,200.00."""
    assert '<td class="text-end">9,200.00</td>' in client_for(approver_a).get("/funds/").content.decode()


def test_other_township_gets_no_line(ledger, approver_b, client_for):
    """Township B staff get 404 on A's fund page: no figure of A's leaks."""
    response = client_for(approver_b).get(f"/funds/{ledger.pk}/")
    assert response.status_code == 404 and "9,200.00" not in response.content.decode()


def test_page_query_count_does_not_grow_with_ledger_days(ledger, approver_a, client_for):
    """Balance points are one grouped query: 30 more entries over 30 more days cost nothing extra."""
    client = client_for(approver_a)
    url = f"/funds/{ledger.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(30):
        with booked_at(at(4, 1, 9) + datetime.timedelta(days=i)):
            services.fund_pay(fund=ledger, amount="10.00", reason=f"救助{i}", actor=approver_a)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)
    points = response.context["balance_points"]
    assert len(points) == 34 and points[-1][2] == Decimal("8900.00")

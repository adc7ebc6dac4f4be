"""The county dashboard: per-township figures equal direct database counts and sums
(issue 10 acceptance), charts are ECharts fed by json_script blocks, CSV export, county staff only.

Deadlines are in working days on the official calendar (MSL 22)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.db.models import Q, Sum
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests import factories
from tests.workspace.conftest import make_case, make_tasks
from workflows.core import audit
from workflows.core.models import SamplingRule, TemporaryAssistanceRule
from workflows.core.working_days import Calendar
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import DibaoProcess
from workflows.funds.models import FundEntry, ReserveFund
from workflows.sampling.flows import SamplingReviewFlow
from workflows.sampling.models import ApprovalRecord, DrawnCase, Finding, SamplingDraw, SamplingReviewProcess
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow
from workflows.temporary_assistance.models import Payment, TemporaryAssistanceProcess
from workflows.workspace.dashboard import county_figures


def _ta_case(village, user, amount, *, paid_at):
    household = factories.HouseholdFactory(village=village)
    factories.MemberFactory(household=household, name="赵六")
    process = TemporaryAssistanceProcess.objects.create(
        flow_class=TemporaryAssistanceFlow, county=village.township.county, township=village.township,
        village=village, household=household, kind="cash", cause="disaster", event_date=paid_at.date(),
        cause_detail="火灾", requested_amount=amount, township_limit=Decimal("3000.00"), assist_first=True,
        case_number=f"LS-{village.pk}-{amount}",
        rule=TemporaryAssistanceRule.objects.filter(county=village.township.county).first(),
    )  # fmt: skip
    Payment.objects.create(
        process=process, seq=1, amount=amount, source="township_fund", paid_at=paid_at, paid_by=user,
        reversed_amount=Decimal("10.00"), assist_first=True,
    )  # fmt: skip
    return process


@pytest.fixture
def data(region, case_worker_a, approver_a, county_reviewer):
    """Township A: 2 open dibao cases (1 overdue, 1 staff-relative), 2 approved, 1 refused, 2 TA payments,
    a fund, 2 sampled cases (1 revoked); township B: 1 open, 1 approved."""
    today = timezone.localdate()
    year_start = datetime.date(today.year, 1, 1)
    a, b = region.village_a, region.village_b
    open1 = make_case(a, due_on=today - datetime.timedelta(days=3), accepted_on=year_start)
    make_tasks(open1, DibaoFlow.home_visit, 1)
    open2 = make_case(a, due_on=today + datetime.timedelta(days=20), staff_relative=True)
    make_tasks(open2, DibaoFlow.propose, 1, status=STATUS.ASSIGNED, owner=case_worker_a)
    decided = []
    for village, decision in ((a, "approved"), (a, "approved"), (a, "refused"), (b, "approved")):
        p = make_case(village, accepted_on=year_start, decided_on=year_start + datetime.timedelta(days=30),
                      decision=decision, monthly_amount=Decimal("300.00") if decision == "approved" else None,
                      status="DONE")  # fmt: skip
        decided.append(p)
    open_b = make_case(b, due_on=today + datetime.timedelta(days=5))
    make_tasks(open_b, DibaoFlow.accept, 1)
    now = timezone.now()
    _ta_case(a, case_worker_a, Decimal("500.00"), paid_at=now)
    _ta_case(a, case_worker_a, Decimal("800.00"), paid_at=now)
    fund = ReserveFund.objects.create(township=region.township_a, budget_year=today.year, balance=Decimal("8700.00"))
    for kind, amount in (("allocation", "10000.00"), ("payment", "-1300.00")):
        FundEntry.objects.create(
            fund=fund, kind=kind, amount=Decimal(amount), balance_after=Decimal("0"), reason="x", actor=approver_a
        )
    draw = SamplingDraw.objects.create(
        county=region.county, period_start=year_start, period_end=year_start + datetime.timedelta(days=90),
        rule=SamplingRule.objects.filter(county=region.county).first(), ratio=Decimal("0.1"), seed="s",
        pool_size=3, drawn_count=2, algorithm="t",
    )  # fmt: skip
    for p, finding in ((decided[0], Finding.REVOKED), (decided[1], Finding.CONFIRMED)):
        record = ApprovalRecord.objects.create(
            process_id=p.pk, programme="dibao", county=region.county, township=p.township, village=p.village,
            case_number=p.case_number, approved_on=p.decided_on, approved_by=approver_a,
        )  # fmt: skip
        drawn = DrawnCase.objects.create(draw=draw, record=record, reason="random")
        SamplingReviewProcess.objects.create(
            flow_class=SamplingReviewFlow, county=region.county, township=p.township, village=p.village,
            drawn_case=drawn, finding=finding, case_number=f"CY-{p.pk}",
        )  # fmt: skip
    return today


def test_figures_equal_direct_database_counts(region, data):
    """Every dashboard figure of each township equals a count/sum written directly against
    the flows' own tables (not the workspace's read model)."""
    today = data
    rows, stages = county_figures(region.county, today=today)
    calendar = Calendar()
    for row in rows:
        t = row.township
        cases = DibaoProcess.objects.filter(township=t)
        all_cases = (
            cases.count()
            + TemporaryAssistanceProcess.objects.filter(township=t).count()
            + SamplingReviewProcess.objects.filter(township=t).count()
        )
        done = (
            cases.filter(status__in=["DONE", "CANCELED"]).count()
            + TemporaryAssistanceProcess.objects.filter(township=t, status__in=["DONE", "CANCELED"]).count()
            + SamplingReviewProcess.objects.filter(township=t, status__in=["DONE", "CANCELED"]).count()
        )
        assert row.open_cases == all_cases - done
        open_dibao = cases.exclude(status__in=["DONE", "CANCELED"]).filter(decided_on__isnull=True)
        overdue = open_dibao.filter(
            Q(extended_due_on__lt=today) | Q(extended_due_on__isnull=True, due_on__lt=today)
        ).count()
        assert row.overdue == overdue
        decided = cases.filter(decided_on__year=today.year)
        assert row.approvals == decided.filter(decision="approved").count()
        assert row.refusals == decided.filter(decision="refused").count()
        days = [calendar.working_days_between(p.accepted_on, p.decided_on) for p in decided]
        expected_avg = (Decimal(sum(days)) / len(days)).quantize(Decimal("0.1")) if days else None
        assert row.avg_working_days == expected_avg
        paid = Payment.objects.filter(process__township=t, paid_at__year=today.year).aggregate(
            s=Sum("amount"), r=Sum("reversed_amount")
        )
        assert row.ta_paid == (paid["s"] or 0) - (paid["r"] or 0)
        fund = ReserveFund.objects.filter(township=t, budget_year=today.year).first()
        assert row.fund_balance == (fund.balance if fund else None)
        entries = FundEntry.objects.filter(fund__township=t, fund__budget_year=today.year)
        allocated = entries.filter(kind__in=["allocation", "replenishment"]).aggregate(s=Sum("amount"))["s"] or 0
        spent = -(entries.filter(kind__in=["payment", "reversal"]).aggregate(s=Sum("amount"))["s"] or 0)
        assert (row.fund_allocated, row.fund_spent) == (allocated, spent)
        drawn = DrawnCase.objects.filter(record__township=t, draw__county=region.county)
        assert row.sampled == drawn.count()
        assert (
            row.sampling_errors
            == drawn.filter(review__finding=Finding.REVOKED).count()
            + drawn.filter(review__correction_rounds__gt=0).exclude(review__finding=Finding.REVOKED).count()
        )
        open_tasks = Task.objects.filter(process__dibaoprocess__township=t, status__in=["NEW", "ASSIGNED"])
        assert sum(row.by_stage.values()) == open_tasks.values("process_id", "flow_task").distinct().count()
    a = next(r for r in rows if r.township == region.township_a)
    # and the numbers the fixture built, spelled out
    assert (a.open_cases, a.overdue, a.approvals, a.refusals) == (6, 1, 2, 1)  # 2 dibao, 2 TA, 2 reviews
    assert a.ta_paid == Decimal("1280.00") and a.fund_spent == Decimal("1300.00")
    assert a.burn_percent == "13.0%" and a.error_percent == "50.00%"
    assert set(stages) >= {"入户调查", "提出初审意见", "受理审查"}


def test_dashboard_page_charts_and_csv(region, data, county_officer, auditor, client_for):
    """County officers and auditors see the page with the four comparison charts' data (the
    figures of the per-township table, money and rates as strings) and download the CSV."""
    response = client_for(county_officer).get(f"/workspace/county/{region.county.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "青山镇" in body and "本年度审核确认结果" in body
    charts = {}
    for chart_id in ("county-open", "county-decisions", "county-money", "county-errors"):
        match = re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', body, re.S)
        assert match and f'data-ws-chart="{chart_id}-data"' in body, chart_id
        charts[chart_id] = json.loads(match.group(1))
    a = charts["county-open"]["categories"].index("青山镇")
    series = {k: [s["data"][a] for s in v["groups"][0]["series"]] for k, v in charts.items()}
    assert series == {
        "county-open": [6, 1],
        "county-decisions": [2, 1],
        "county-money": ["1280.00", "1300.00"],
        "county-errors": ["0.5000"],
    }
    assert '<td class="text-end">1,280.00</td><td class="text-end">8,700.00</td>' in body  # money for people
    response = client_for(auditor).get(f"/workspace/county/{region.county.pk}/export.csv")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["乡镇（街道）", "乡镇代码", "在办案件"]
    row_a = next(line for line in lines if line[0] == "青山镇")
    assert row_a[2:6] == ["6", "1", "2", "1"]


def test_dashboard_is_for_county_staff(region, case_worker_a, approver_a, county_reviewer, client_for):
    """Township staff get 403; an unknown county is 404; /workspace/county/ redirects county staff."""
    assert client_for(case_worker_a).get(f"/workspace/county/{region.county.pk}/").status_code == 403
    assert client_for(approver_a).get(f"/workspace/county/{region.county.pk}/export.csv").status_code == 403
    client = client_for(county_reviewer)
    assert client.get("/workspace/county/999999/").status_code == 404
    assert client.get("/workspace/county/")["Location"] == f"/workspace/county/{region.county.pk}/"


def test_dashboard_query_count_does_not_grow_with_cases(
    region, data, county_officer, case_worker_b, client_for, django_assert_num_queries
):
    """Every figure is a grouped query for the whole county: the page costs the same number
    of queries after a third township and 30 more cases (open, overdue, with tasks and TA
    payments) spread over the three townships."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(county_officer)
    url = f"/workspace/county/{region.county.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    before = len(ctx.captured_queries)
    today = data
    township_c = factories.TownshipFactory(county=region.county, code="990101003", name="新村镇")
    village_c = factories.VillageFactory(township=township_c, code="990101003001", name="新村")
    for i in range(30):
        village = (region.village_a, region.village_b, village_c)[i % 3]
        p = make_case(village, due_on=today - datetime.timedelta(days=i + 1), accepted_on=today.replace(month=1, day=1))
        make_tasks(p, (DibaoFlow.accept, DibaoFlow.home_visit, DibaoFlow.propose)[i % 3], 1)
        _ta_case(village, case_worker_b, Decimal(100 + i), paid_at=timezone.now())
    audit.write_held()  # the cases just made are written, as a committed request would find them
    with django_assert_num_queries(before):
        response = client.get(url)
    rows = {r.township.pk: r for r in response.context["rows"]}
    assert len(rows) == 3 and rows[township_c.pk].overdue == 10 and rows[township_c.pk].ta_paid > 0


def test_workspace_pages_load_nothing_from_another_host(region, data, county_officer, case_worker_a, client_for):
    """No CDN at run time: the dashboard, the lists and the case page reference only this
    site's own scripts, styles and images (ECharts is served from node_modules)."""
    external = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
    pages = [(county_officer, f"/workspace/county/{region.county.pk}/")]
    case = DibaoProcess.objects.filter(township=region.township_a).first()
    pages += [(case_worker_a, url) for url in ("/workspace/inbox/", "/workspace/queue/", f"/workspace/case/{case.pk}/")]
    for user, url in pages:
        response = client_for(user).get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert not external.search(body), (url, external.search(body))

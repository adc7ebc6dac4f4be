"""County dashboard figures, per township, and the data of its charts (ECharts).

Every figure is one grouped query for the whole county (constant query count
whatever the number of townships or cases); definitions are spelled out on
``TownshipFigures`` and checked against direct counts in
tests/workspace/test_dashboard.py.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Aggregate, Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from workflows.core import programmes
from workflows.core.models import County, Township
from workflows.core.working_days import Calendar

from .models import CaseIndex, Outcome

if TYPE_CHECKING:
    from viewflow.workflow.base import Node

ZERO = Decimal("0.00")
CLOSED = [PROCESS.DONE, PROCESS.CANCELED]
OPEN_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.ERROR, STATUS.SCHEDULED]


@dataclass
class TownshipFigures:
    """One township's row.

    - ``open_cases``: cases not done/cancelled; ``by_stage``: open cases per
      current step (node title; a case at two steps counts at both);
    - ``overdue``: open, undecided cases whose due date has passed;
    - ``approvals``/``refusals``: decisions dated in the year;
      ``avg_working_days``: mean working days acceptance → decision of those;
    - ``ta_paid``: temporary assistance paid in the year (net of reversals);
    - ``fund_balance``: the year's reserve-fund balance; ``fund_allocated``:
      allocations + replenishments; ``fund_spent``: payments net of
      reversals; ``burn`` = spent / allocated;
    - sampling: drawn cases of the year's draws and their error rate;
    - ``referrals_open``/``referrals_overdue``: referrals to other departments still
      unanswered today, and those past their due date (SAI 60); ``conferences``: case
      conferences held in the year, ``actions_open``: their follow-ups not yet closed.
    """

    township: Township
    open_cases: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    approvals: int = 0
    refusals: int = 0
    avg_working_days: Decimal | None = None
    ta_paid: Decimal = ZERO
    fund_balance: Decimal | None = None
    fund_allocated: Decimal = ZERO
    fund_spent: Decimal = ZERO
    sampled: int = 0
    sampling_errors: int = 0
    referrals_open: int = 0
    referrals_overdue: int = 0
    conferences: int = 0
    actions_open: int = 0

    @property
    def burn(self) -> Decimal | None:
        if not self.fund_allocated:
            return None
        return (self.fund_spent / self.fund_allocated).quantize(Decimal("0.0001"))

    @property
    def burn_percent(self) -> str:
        return "-" if self.burn is None else f"{self.burn * 100:.1f}%"

    @property
    def error_rate(self) -> Decimal | None:
        if not self.sampled:
            return None
        return (Decimal(self.sampling_errors) / self.sampled).quantize(Decimal("0.0001"))

    @property
    def error_percent(self) -> str:
        return "-" if self.error_rate is None else f"{self.error_rate * 100:.2f}%"


def _stage_title(flow_task) -> str:
    return str(flow_task.task_title or flow_task.name) if flow_task is not None else "-"


def _open_cases_per_step(county: County) -> list[tuple[int, Node | None, int]]:
    """(township id, node, number of open cases with an open task at that node) for the
    county's open cases: "open" as the other figures count it, the case index's copy of the
    process status. The task rows are joined to the index rows directly by ``process_id``:
    the ORM can only reach the index from a task through ``viewflow_process``, an extra join
    per open task that doubled the time of the dashboard's largest statement (100 k cases:
    ~200 → ~100 ms); written in SQL for that, with the tables' names from the models."""
    task, index = Task._meta, CaseIndex._meta
    q = connection.ops.quote_name

    def column(meta: Any, name: str) -> str:
        return f"{q(meta.db_table)}.{q(meta.get_field(name).column)}"

    sql = (
        f"SELECT {column(index, 'township')}, {column(task, 'flow_task')}, COUNT(DISTINCT {column(task, 'process')})"  # noqa: S608 - names from the models, values as parameters
        f" FROM {q(task.db_table)} INNER JOIN {q(index.db_table)}"
        f" ON {column(index, 'process')} = {column(task, 'process')}"
        f" WHERE {column(index, 'county')} = %s AND {column(task, 'status')} IN ({', '.join(['%s'] * len(OPEN_TASK))})"
        f" AND {column(index, 'status')} NOT IN ({', '.join(['%s'] * len(CLOSED))})"
        f" GROUP BY 1, 2"
    )
    to_node = task.get_field("flow_task").to_python
    with connection.cursor() as cursor:
        cursor.execute(sql, [county.pk, *OPEN_TASK, *CLOSED])
        return [(township_id, to_node(flow_task), n) for township_id, flow_task, n in cursor.fetchall()]


def county_figures(county: County, *, year: int | None = None, today: datetime.date | None = None):
    """[TownshipFigures] for every township of ``county`` (code order), and the stage titles used."""
    today = today or timezone.localdate()
    year = year or today.year
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    townships = list(Township.objects.filter(county=county).order_by("code"))
    rows = {t.pk: TownshipFigures(township=t) for t in townships}
    cases = CaseIndex.objects.filter(county=county)

    # The case counts in ONE grouped pass over the county's index rows (FILTERed counts), not
    # one query per figure: open, overdue, decisions of the year and, on PostgreSQL, their
    # durations. Durations are working-day counts through the decision date minus those
    # through the acceptance date (``Calendar.working_days_through``), summed per township in
    # SQL (``Calendar.through_sql``); elsewhere one row per decided case, in Python.
    calendar = Calendar()
    running = ~Q(status__in=CLOSED)
    decided = Q(decided_on__range=(start, end), outcome__in=Outcome.values)
    timed = decided & Q(accepted_on__isnull=False)
    figures: dict[str, Aggregate] = {
        "open": Count("pk", filter=running),
        "overdue": Count("pk", filter=running & CaseIndex.deadline_running_q() & Q(due_on__lt=today)),
        "approvals": Count("pk", filter=decided & Q(outcome=Outcome.APPROVED)),
        "decisions": Count("pk", filter=decided),
    }
    in_sql = connection.vendor == "postgresql"
    if in_sql:
        days = calendar.through_sql(F("decided_on")) - calendar.through_sql(F("accepted_on"))
        figures |= {"timed": Count("pk", filter=timed), "days": Sum(days, filter=timed)}
    for r in cases.values("township_id").annotate(**figures).order_by():
        row = rows[r["township_id"]]
        row.open_cases, row.overdue = r["open"], r["overdue"]
        row.approvals, row.refusals = r["approvals"], r["decisions"] - r["approvals"]
        if in_sql and r["timed"]:
            row.avg_working_days = (Decimal(r["days"]) / r["timed"]).quantize(Decimal("0.1"))
    if not in_sql:
        durations: dict[int, list[int]] = defaultdict(list)
        for township_id, accepted_on, decided_on in cases.filter(timed).values_list(
            "township_id", "accepted_on", "decided_on"
        ):
            durations[township_id].append(calendar.working_days_between(accepted_on, decided_on))
        for township_id, values in durations.items():
            rows[township_id].avg_working_days = (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"))

    stages: dict[str, None] = {}
    for township_id, flow_task, n in _open_cases_per_step(county):
        title = _stage_title(flow_task)
        stages.setdefault(title, None)
        rows[township_id].by_stage[title] = rows[township_id].by_stage.get(title, 0) + n

    _ta_payments(county, rows, year)
    _funds(county, rows, year)
    _sampling(county, rows, start, end)
    _cooperation(county, rows, year, today)
    return [rows[t.pk] for t in townships], list(stages)


def _ta_payments(county, rows, year):
    from workflows.temporary_assistance.models import Payment

    paid = (
        Payment.objects.filter(process__county=county, paid_at__year=year)
        .values("process__township_id")
        .annotate(s=Sum("amount"), r=Sum("reversed_amount"))
        .order_by()
    )
    for r in paid:
        rows[r["process__township_id"]].ta_paid = (r["s"] or ZERO) - (r["r"] or ZERO)


def _funds(county, rows, year):
    from workflows.funds.models import FundEntry, ReserveFund

    for township_id, balance in ReserveFund.objects.filter(township__county=county, budget_year=year).values_list(
        "township_id", "balance"
    ):
        rows[township_id].fund_balance = balance
    sums = (
        FundEntry.objects.filter(fund__township__county=county, fund__budget_year=year)
        .values("fund__township_id")
        .annotate(
            allocated=Sum("amount", filter=Q(kind__in=[FundEntry.Kind.ALLOCATION, FundEntry.Kind.REPLENISHMENT])),
            spent=Sum("amount", filter=Q(kind__in=[FundEntry.Kind.PAYMENT, FundEntry.Kind.REVERSAL])),
        )
        .order_by()
    )
    for r in sums:
        row = rows[r["fund__township_id"]]
        row.fund_allocated = r["allocated"] or ZERO
        row.fund_spent = -(r["spent"] or ZERO)  # payments are negative entries


def _sampling(county, rows, start, end):
    from workflows.sampling.selectors import period_report

    for report_row in period_report(county, start, end):
        row = rows[report_row.township.pk]
        row.sampled = report_row.sampled
        row.sampling_errors = report_row.corrected + report_row.revoked


def _cooperation(county, rows, year, today):
    from workflows.cooperation.selectors import county_counts

    for township_id, counts in county_counts(county, year=year, today=today).items():
        row = rows[township_id]
        row.referrals_open, row.referrals_overdue = counts.referrals_open, counts.referrals_overdue
        row.conferences, row.actions_open = counts.conferences, counts.actions_open


# --- monthly trends (the ECharts line chart, static/workspace/charts.js) -------------------


def programme_flow_labels() -> tuple[str, ...]:
    """The flows whose cases are applications (a finance check or a sampling review is not):
    every programme's flow in workflows/core/programmes.py."""
    return tuple(spec.flow_class.instance.flow_label for spec in programmes.all_specs())


TREND_METRICS = [
    ("applications", gettext_lazy("受理申请")),
    ("approvals", gettext_lazy("批准")),
    ("refusals", gettext_lazy("不予批准")),
    ("overdue", gettext_lazy("逾期")),
]


@dataclass
class TownshipTrend:
    """One township's (or the county's) counts per month of the year, January first."""

    township: Township | None
    applications: list[int] = field(default_factory=lambda: [0] * 12)
    approvals: list[int] = field(default_factory=lambda: [0] * 12)
    refusals: list[int] = field(default_factory=lambda: [0] * 12)
    overdue: list[int] = field(default_factory=lambda: [0] * 12)

    @property
    def name(self) -> str:
        return self.township.name if self.township else ""

    def series(self) -> list[tuple[str, list[int]]]:
        return [(str(label), getattr(self, key)) for key, label in TREND_METRICS]


def overdue_in_month_q(today: datetime.date) -> Q:
    """A case counts as overdue in the month its deadline (``due_on``) fell due when it missed
    that deadline: either it is still open with the deadline running past it today (exactly
    the dashboard's ``overdue`` figure, so the year's months add up to that figure for
    deadlines within the year), or it was decided after the deadline. Deadlines not yet
    passed (today or later) count nowhere: the month is not over for them."""
    running = ~Q(status__in=CLOSED) & CaseIndex.deadline_running_q()
    return Q(due_on__lt=today) & (running | Q(decided_on__gt=F("due_on")))


def county_trends(county: County, *, year: int, today: datetime.date | None = None) -> list[TownshipTrend]:
    """Monthly applications (受理, by acceptance date), approvals and refusals (by decision
    date) and overdue cases (``overdue_in_month_q``) per township of ``county`` in ``year``,
    townships in code order, then the county's total as the last element.

    Four grouped queries (township × month) whatever the number of cases or townships; the
    dates are the read model's local (Asia/Shanghai) calendar dates."""
    today = today or timezone.localdate()
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    townships = list(Township.objects.filter(county=county).order_by("code"))
    trends = {t.pk: TownshipTrend(township=t) for t in townships}
    total = TownshipTrend(township=None)
    cases = CaseIndex.objects.filter(county=county)
    counted = [
        ("applications", "accepted_on", cases.filter(flow_label__in=programme_flow_labels())),
        ("approvals", "decided_on", cases.filter(outcome=Outcome.APPROVED)),
        ("refusals", "decided_on", cases.filter(outcome=Outcome.REFUSED)),
        ("overdue", "due_on", cases.filter(overdue_in_month_q(today))),
    ]
    for key, date_field, queryset in counted:
        grouped = (
            queryset.filter(**{f"{date_field}__range": (start, end)})
            .annotate(month=TruncMonth(date_field))
            .values("township_id", "month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for r in grouped:
            month = r["month"].month - 1
            getattr(trends[r["township_id"]], key)[month] += r["n"]
            getattr(total, key)[month] += r["n"]
    return [*(trends[t.pk] for t in townships), total]


def trends_chart(trends: list[TownshipTrend], *, year: int, today: datetime.date | None = None) -> dict:
    """The chart's data for ``json_script``: one group per township and the county's total.
    Months still to come are null, not 0: the line stops at the current month instead of
    dropping to zero."""
    today = today or timezone.localdate()
    months = [_("%(month)s月") % {"month": m} for m in range(1, 13)]
    shown = 12 if year < today.year else today.month if year == today.year else 0

    def upto(values: list[int]) -> list[int | None]:
        return [v if m < shown else None for m, v in enumerate(values)]

    return {
        "kind": "line",
        "unit": _("件"),
        "categories": months,
        "groups": [
            {
                "name": t.name or _("全县合计"),
                "series": [{"name": name, "data": upto(values)} for name, values in t.series()],
            }
            for t in trends
        ],
        "initial": len(trends) - 1,  # the county's total first
    }


# --- per-township bar charts (ECharts, static/workspace/charts.js) -------------------------


# One meaning, one colour on every chart (text says it too: legends, tables).
BLUE, GREEN, RED, ORANGE = "#1565c0", "#2e7d32", "#c62828", "#ef6c00"


def _bars(chart_id: str, caption: str, rows: list[TownshipFigures], series, **options) -> dict:
    """One bar chart's id, caption and ``json_script`` data: a bar per township and series.
    Its accessible equivalent is the page's per-township table (the same figures)."""
    return {
        "id": chart_id,
        "caption": caption,
        "data": {
            "kind": "bar",
            "categories": [r.township.name for r in rows],
            "groups": [{"name": caption, "series": [{"name": name, "data": values} for name, values in series]}],
            **options,
        },
    }


def dashboard_charts(rows: list[TownshipFigures]) -> list[dict]:
    """The four comparison charts under the trend line (figures as strings: JSON has no Decimal)."""
    return [
        _bars(
            "county-open",
            _("在办与逾期案件"),
            rows,
            [(_("在办"), [r.open_cases for r in rows]), (_("逾期"), [r.overdue for r in rows])],
            unit=_("件"),
            colors=[BLUE, RED],
        ),
        _bars(
            "county-decisions",
            _("本年度审核确认结果"),
            rows,
            [(_("批准"), [r.approvals for r in rows]), (_("不予批准"), [r.refusals for r in rows])],
            unit=_("件"),
            colors=[GREEN, RED],
        ),
        _bars(
            "county-money",
            _("临时救助支出与备用金使用"),
            rows,
            [
                (_("临时救助发放（元）"), [f"{r.ta_paid:.2f}" for r in rows]),
                (_("备用金支出（元）"), [f"{r.fund_spent:.2f}" for r in rows]),
            ],
            unit=_("元"),
            money=True,
            colors=[BLUE, ORANGE],
        ),
        _bars(
            "county-errors",
            _("抽查差错率"),
            rows,
            [(_("差错率"), [None if r.error_rate is None else f"{r.error_rate:.4f}" for r in rows])],
            percent=True,
        ),
    ]


CSV_HEADER = [
    gettext_lazy("乡镇（街道）"),
    gettext_lazy("乡镇代码"),
    gettext_lazy("在办案件"),
    gettext_lazy("逾期案件"),
    gettext_lazy("批准"),
    gettext_lazy("不予批准"),
    gettext_lazy("平均办理工作日"),
    gettext_lazy("临时救助发放（元）"),
    gettext_lazy("备用金余额（元）"),
    gettext_lazy("备用金拨付（元）"),
    gettext_lazy("备用金支出（元）"),
    gettext_lazy("备用金使用率"),
    gettext_lazy("抽查件数"),
    gettext_lazy("抽查差错件数"),
    gettext_lazy("抽查差错率"),
    gettext_lazy("待答复转介"),
    gettext_lazy("逾期未答复转介"),
    gettext_lazy("个案会商"),
    gettext_lazy("未办结会商事项"),
]


def csv_rows(rows: list[TownshipFigures], stages: list[str]):
    yield [str(h) for h in CSV_HEADER] + [_("环节：%(stage)s") % {"stage": s} for s in stages]
    for r in rows:
        yield [
            r.township.name,
            r.township.code,
            r.open_cases,
            r.overdue,
            r.approvals,
            r.refusals,
            "" if r.avg_working_days is None else str(r.avg_working_days),
            str(r.ta_paid),
            "" if r.fund_balance is None else str(r.fund_balance),
            str(r.fund_allocated),
            str(r.fund_spent),
            r.burn_percent,
            r.sampled,
            r.sampling_errors,
            r.error_percent,
            r.referrals_open,
            r.referrals_overdue,
            r.conferences,
            r.actions_open,
        ] + [r.by_stage.get(s, 0) for s in stages]

"""The county dashboard's statements (issue 19: "dashboard figures computed in SQL"): the
case figures are one grouped pass over the county's case-index rows, and the open cases per
step join the task rows to the index directly, without ``viewflow_process``; the figures are
those of the definitions on ``TownshipFigures`` (tests/workspace/test_dashboard.py checks
them against the flows' own tables)."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.status import STATUS

from tests.workspace.conftest import make_case, make_tasks
from workflows.core import audit
from workflows.dibao.flows import DibaoFlow
from workflows.workspace.dashboard import county_figures


def test_case_figures_in_one_pass_and_steps_without_the_process_table(region, case_worker_a):
    """Open, overdue, approvals and refusals come from one statement over the case index;
    the step figure counts each open case once per step of its open tasks, leaves out a
    closed case whose task row was left open, and reads no ``viewflow_process``."""
    today = timezone.localdate()
    late = make_case(region.village_a, due_on=today - datetime.timedelta(days=2))
    make_tasks(late, DibaoFlow.home_visit, 2)  # two open rows of one step: one case
    make_tasks(make_case(region.village_a), DibaoFlow.propose, 1, status=STATUS.ASSIGNED, owner=case_worker_a)
    make_tasks(make_case(region.village_b), DibaoFlow.home_visit, 1)
    make_tasks(make_case(region.village_a, status="DONE"), DibaoFlow.home_visit, 1)  # closed: not at a step
    make_case(region.village_a, decided_on=today, decision="approved", status="DONE")
    make_case(region.village_a, decided_on=today, decision="refused", status="DONE")
    audit.write_held()  # the cases just made are written, as a committed request would find them
    with CaptureQueriesContext(connection) as ctx:
        rows, stages = county_figures(region.county, today=today)
    a, b = (next(r for r in rows if r.township == t) for t in (region.township_a, region.township_b))
    visit, propose = str(DibaoFlow.home_visit.task_title), str(DibaoFlow.propose.task_title)
    assert (a.open_cases, a.overdue, a.approvals, a.refusals) == (2, 1, 1, 1)
    assert a.by_stage == {visit: 1, propose: 1} and b.by_stage == {visit: 1}
    assert set(stages) == {visit, propose}
    index_reads = [q["sql"] for q in ctx.captured_queries if "workspace_caseindex" in q["sql"]]
    # the figures and the steps (elsewhere than PostgreSQL, the durations' rows too)
    assert len(index_reads) == (2 if connection.vendor == "postgresql" else 3)
    assert all("viewflow_process" not in sql for sql in index_reads)

"""The province generator and the latency benchmark on PostgreSQL (issue 11 §1-2), at a
tiny size: the generated rows are ones the real flow would have written (every task's
node exists in DibaoFlow, the region tree is 10 × 20 × 5), and every latency figure has
a baseline and a finite ratio. No timed assertions."""

from __future__ import annotations

import math

import pytest
from django.db import connection

from tests.conftest import requires_postgres

pytestmark = [pytest.mark.postgres, requires_postgres]


def test_generator_and_latency_figures(db, capsys):
    """200 cases: one per township, ~6.7 task rows each, open tasks in the queue and
    inboxes; then the latency module reports p50/p95/p99 with ratios for each list."""
    from bench.generate import COUNTIES, TOWNSHIPS_PER_COUNTY, VILLAGES_PER_TOWNSHIP, generate
    from bench.latency import run
    from workflows.core.models import Township, Village
    from workflows.dibao.flows import DibaoFlow
    from workflows.dibao.models import DibaoProcess

    summary = generate(200, chunk=80, drop_indexes=False, log=lambda *_: None)
    assert summary["generated"] == 200
    townships = Township.objects.filter(code__startswith="97")
    assert townships.count() == COUNTIES * TOWNSHIPS_PER_COUNTY
    assert Village.objects.filter(township__in=townships).count() == townships.count() * VILLAGES_PER_TOWNSHIP
    cases = DibaoProcess.objects.filter(township__in=townships)
    assert cases.count() == 200 and cases.values("township").distinct().count() == 200
    tasks = DibaoFlow.task_class.objects.filter(process__in=cases)
    assert 5 * 200 <= tasks.count() <= 8 * 200
    for name in tasks.values_list("flow_task", flat=True).distinct():
        assert name is not None  # the column resolved to a real node of DibaoFlow
    assert tasks.filter(status="NEW").exists() and tasks.filter(status="ASSIGNED").exists()
    assert generate(200, log=lambda *_: None)["generated"] == 0  # idempotent

    results = run(3)
    names = {r.name.rsplit(" ", 1)[0] for r in results}
    assert {"inbox (case worker)", "queue (township approver)", "queue (township case worker)"} <= names
    assert any(n.startswith("status lookup") for n in names)
    for r in results:
        assert r.value > 0 and r.baseline > 0 and math.isfinite(r.ratio), r
    assert connection.vendor == "postgresql"

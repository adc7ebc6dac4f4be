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
    assert {
        "workspace inbox (case worker)",
        "workspace queue (township approver)",
        "workspace archive (case worker)",
        "workspace county dashboard (20 townships)",
    } <= names
    assert any(n.startswith("status lookup") for n in names)
    for r in results:
        assert r.value > 0 and r.baseline > 0 and math.isfinite(r.ratio), r
    assert connection.vendor == "postgresql"


def test_generated_case_index_matches_the_indexer(db):
    """Every generated case gets its workspace ``CaseIndex`` row, with exactly the values
    ``workflows.workspace.indexing.index_values`` computes from the case (every stage:
    open, approved, refused); the workspace lists then show the generated tasks. A
    dataset without index rows (generated before the workspace) is filled on the next
    run, and a second run writes nothing."""
    from bench.generate import fill_case_index, generate
    from workflows.core.flows import coerce
    from workflows.dibao.models import DibaoProcess
    from workflows.workspace import selectors
    from workflows.workspace.indexing import index_values
    from workflows.workspace.models import CaseIndex

    generate(200, chunk=80, drop_indexes=False, log=lambda *_: None)
    cases = DibaoProcess.objects.filter(township__code__startswith="97")
    assert CaseIndex.objects.filter(process__in=cases).count() == 200
    fields = [f.attname for f in CaseIndex._meta.fields if f.attname not in ("process_id", "refreshed_at")]
    decisions = set()
    for process in cases.order_by("pk"):
        row = CaseIndex.objects.get(process_id=process.pk)
        expected = index_values(coerce(process))
        assert {k: getattr(row, k) for k in fields} == {k: expected[k] for k in fields}, process.pk
        decisions.add(process.decision)
    assert decisions == {"", "approved", "refused"}

    CaseIndex.objects.filter(process__in=cases[:50]).delete()
    assert fill_case_index(chunk=30, drop_indexes=True)["case_index_rows"] == 50
    assert fill_case_index()["case_index_rows"] == 0
    assert CaseIndex.objects.filter(process__in=cases).count() == 200

    from django.contrib.auth import get_user_model

    workers = get_user_model().objects.filter(username__startswith="bw_97").order_by("username")[:20]
    assert any(selectors.archive_tasks(w).exists() for w in workers)
    assert any(selectors.inbox_tasks(w).exists() for w in workers)
    assert any(selectors.queue_tasks(w).exists() for w in workers)

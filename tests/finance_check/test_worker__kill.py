"""A real Celery worker on Redis: killed mid-check, restarted, the check completes without
duplicate evidence (acks_late + idempotent source tasks + the stale-handle sweep)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import requires_broker, requires_postgres, wait_until
from workflows.core.tasks import requeue_stale_handles
from workflows.finance_check import services
from workflows.finance_check.models import FinanceCheckProcess, RegistryEvidence
from workflows.finance_check.sources import ALL_SOURCES


@requires_postgres
@requires_broker
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_check_completes_after_restart_without_duplicates(
    registry_sandbox, household_250, case_worker_a, celery_worker_process
):
    registry_sandbox.set_mode("*", latency_ms=1500)
    check = services.finance_check_request(
        household=household_250, purpose="dibao", case_ref="dibao:77", actor=case_worker_a
    )

    def evidence_count():
        return RegistryEvidence.objects.filter(check_process_id=check.pk).count()

    assert wait_until(lambda: evidence_count() >= 1, timeout=60), "worker never recorded any evidence"
    celery_worker_process.kill()  # SIGKILL: in-flight source tasks die unacknowledged
    at_kill = evidence_count()
    assert at_kill < len(ALL_SOURCES), "the check finished before the kill; raise the latency"

    celery_worker_process.start()
    # The messages the dead worker held come back only after the broker's visibility timeout;
    # the periodic sweep re-queues the check's fan-out job, which queries only missing sources.
    assert requeue_stale_handles(older_than_minutes=0) >= 1

    done = wait_until(lambda: FinanceCheckProcess.objects.get(pk=check.pk).status == "DONE", timeout=120)
    assert done, f"check did not finish: {evidence_count()} of {len(ALL_SOURCES)} sources recorded"
    rows = list(RegistryEvidence.objects.filter(check_process_id=check.pk).values_list("source", "status"))
    assert sorted(s for s, _ in rows) == sorted(ALL_SOURCES)  # exactly one row per source
    assert {st for _, st in rows} == {"ok"}
    assert FinanceCheckProcess.objects.get(pk=check.pk).outcome == "eligible"
    # Redeliver everything once more: still no second row.
    assert requeue_stale_handles(older_than_minutes=0) == 0
    from workflows.finance_check.tasks import query_source

    for source in ALL_SOURCES[:3]:
        query_source.delay(check.pk, source)
    time.sleep(2)
    assert RegistryEvidence.objects.filter(check_process_id=check.pk).count() == len(ALL_SOURCES)

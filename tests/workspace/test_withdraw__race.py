"""A claim racing a withdrawal (撤回) never both succeed: both take the case lock
(``select_for_update_lock``) and re-read the task under it.

PostgreSQL only: each thread has its own connection, and SQLite has no row locks.
"""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.conftest import requires_postgres
from tests.dibao import conftest as d
from tests.funds.test_concurrency import run_concurrently
from workflows.core.task_actions import task_withdraw
from workflows.workspace import services as ws


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_claim_and_withdraw_race(round_, region, case_worker_a, case_worker_a2, fake_finance_check):
    """Two threads released together: the sender withdraws the opinion while a colleague
    claims the handler's signature. Exactly one wins; the loser gets a clear refusal."""
    process = d.file_case(case_worker_a, region.village_a)
    process = d.accept(process, case_worker_a)
    process = fake_finance_check.finish(process)
    process = d.home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = d.propose(process, case_worker_a, approve=False)
    sign = d.task_of(process, "sign_handler")

    def work(i):
        if (i + round_) % 2:
            ws.task_claim(task_pk=sign.pk, actor=case_worker_a2)
        else:
            task_withdraw(task_pk=sign.pk, actor=case_worker_a)

    ok, refused, errors = run_concurrently(work, n=2)
    assert errors == []
    assert len(ok) == 1 and len(refused) == 1
    sign.refresh_from_db()
    redo = Task.objects.filter(process_id=process.pk, flow_task=process.flow_class.propose, status=STATUS.ASSIGNED)
    if sign.status == STATUS.ASSIGNED:  # the claim won
        assert sign.owner_id == case_worker_a2.pk and not redo.exists()
    else:  # the withdrawal won
        assert sign.status == STATUS.CANCELED and redo.get().owner_id == case_worker_a.pk

"""Querying the registries: what to query and recording the answers. How the queries run
(Celery tasks per source, or a thread pool when Celery is eager) is ``..dispatch``."""

from __future__ import annotations

from django.db import transaction

from ..adapters import QueryOutcome, RegistryError
from ..models import FinanceCheckProcess
from .errors import QueriesPending
from .evidence import evidence_record_queries, member_id_numbers, pending_sources
from .request import query_authorisations


def queries_fan_out(task_pk: int) -> str:
    """The run_queries job: query every source that has no final evidence yet.

    The queries run in ``..dispatch`` (one Celery task per source with a real broker,
    the thread pool with eager Celery); the answers of the thread-pool path come back
    to ``record``: the evidence rows, their audit events and the advance, in one
    transaction (bulk inserts, no per-source round trips). Re-running the job
    (redelivery, ``requeue_stale_handles``) only queries what is still missing, and
    advances the node if nothing is.
    """
    from viewflow.workflow.status import STATUS

    from ..dispatch import dispatch_queries
    from ..flows import FinanceCheckFlow

    task = FinanceCheckFlow.task_class._default_manager.filter(pk=task_pk).values("status", "process_id").first()
    if task is None or task["status"] != STATUS.NEW:
        return "skipped"
    check = FinanceCheckProcess.objects.get(pk=task["process_id"])
    pending = pending_sources(check)
    if not pending:
        queries_advance(check.pk)
        return "advanced"
    # No query without every adult's authorisation in force (MSL 9); each source task checks again.
    authorisations = query_authorisations(check)
    if authorisations is None:
        return "halted"

    def record(results: dict[str, tuple[QueryOutcome | RegistryError, int]]) -> None:
        # One transaction for all the rows and the advance: one commit instead of a dozen.
        with transaction.atomic():
            evidence_record_queries(check=check, results=results, authorisations=authorisations)
            # Every source of the check is final now (recorded here, or by a racing job
            # if the batch fell back): skip the unlocked pre-check, the flow re-counts
            # under its lock anyway.
            _advance_run_queries(check.pk)

    return dispatch_queries(check, pending, lambda: member_id_numbers(check), record)


def queries_advance(check_pk: int) -> bool:
    """Advance run_queries once every source is final. Safe to call from every source task.

    Checked twice: cheaply here, and again under the flow lock
    (``FinanceCheckFlow.queries_done``), so of several tasks finishing at
    once exactly one advances the node and none advances it early.
    """
    check = FinanceCheckProcess.objects.get(pk=check_pk)
    if pending_sources(check):
        return False
    return _advance_run_queries(check_pk)


def _advance_run_queries(check_pk: int) -> bool:
    from viewflow.fsm import TransitionNotAllowed
    from viewflow.workflow.status import STATUS

    from ..flows import FinanceCheckFlow

    task = (
        FinanceCheckFlow.task_class._default_manager.filter(
            process_id=check_pk, flow_task=FinanceCheckFlow.run_queries, status=STATUS.NEW
        )
        .order_by("pk")
        .first()
    )
    if task is None:
        return False
    try:
        FinanceCheckFlow.run_queries.run(task)
    except (TransitionNotAllowed, QueriesPending):
        return False
    return True

"""The save receivers name their senders (issue 20, item 5): the audit history, the send-back
state, the new-task notice and the case index listen to the task and process models only —
each of them, the flows' proxies included — and the case index is written once per
transaction for a case saved several times with the same index columns."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models.signals import post_init, post_save, pre_save
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Process, Task

from tests.workspace.conftest import make_case
from workflows.core.cases import CaseTask
from workflows.core.models import County
from workflows.core.receivers import models_of_kind
from workflows.workspace.indexing import case_models
from workflows.workspace.models import CaseIndex

OURS = ("workflows.history.", "workflows.workspace.", "workflows.core.sendback")


def _our_receivers(signal, sender) -> set[str]:
    sync, async_ = signal._live_receivers(sender)
    return {f"{r.__module__}.{r.__name__}" for r in [*sync, *async_] if r.__module__.startswith(OURS)}


def test_an_unrelated_save_reaches_none_of_the_task_or_process_receivers():
    """A save of a model that is neither a task nor a process (a county) calls none of them."""
    for signal in (pre_save, post_save, post_init):
        assert _our_receivers(signal, County) == set()


def test_every_task_and_process_model_is_heard():
    """viewflow's Task, the flows' CaseTask proxy and every case process model each have the
    receivers (a receiver connected with sender=Task alone does not hear a CaseTask save)."""
    assert CaseTask in models_of_kind(Task) and Task in models_of_kind(Task)
    for model in models_of_kind(Task):
        assert {
            "workflows.history.signals.before_task_saved",
        } <= _our_receivers(pre_save, model)
        assert {
            "workflows.history.signals.on_task_saved",
            "workflows.core.sendback._on_task_created",
            "workflows.workspace.notifications._on_task_saved",
        } <= _our_receivers(post_save, model)
        assert "workflows.history.signals.on_task_loaded" in _our_receivers(post_init, model)
    assert case_models() and case_models() <= set(models_of_kind(Process))
    for model in case_models():
        assert "workflows.workspace.indexing._on_process_saved" in _our_receivers(post_save, model)


def _index_writes(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith("INSERT") and "workspace_caseindex" in q["sql"])


def test_case_index_written_once_per_transaction_and_again_on_a_change(region):
    """The test's transaction created the case (its index row written then): saving it again
    three times writes nothing; a save that changes an index column writes it once more (the
    row holds the new value); saving that state again writes nothing. Issue 19: the write
    waits for the commit (``audit.stage_upsert``), or for the first statement on the index
    before it, as here (this test's transaction never commits)."""
    process = make_case(region.village_a)
    assert CaseIndex.objects.filter(process_id=process.pk).exists()
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            process.save()
        assert _index_writes(ctx.captured_queries) == 0
        process.case_number = "DB-990101001-X000001"
        process.save()
        process.save()
        assert CaseIndex.objects.get(process_id=process.pk).case_number == "DB-990101001-X000001"
        assert _index_writes(ctx.captured_queries) == 1
        process.save()
        assert CaseIndex.objects.get(process_id=process.pk).case_number == "DB-990101001-X000001"
        assert _index_writes(ctx.captured_queries) == 1
    assert CaseIndex.objects.get(process_id=process.pk).case_number == "DB-990101001-X000001"


def test_case_index_written_again_in_a_new_transaction(region, transactional_db):
    """Outside the transaction that wrote it nothing is remembered: each committed save writes."""
    process = make_case(region.village_a)
    with CaptureQueriesContext(connection) as ctx:
        process.save()
        process.save()
    assert _index_writes(ctx.captured_queries) == 2

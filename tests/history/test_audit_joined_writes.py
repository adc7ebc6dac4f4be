"""Issue 19: fewer statements per case action, the audit trail unchanged.

- The case lock's statement also locks the case's audit chain head: the first event of a task
  action needs no locked head read of its own; a new case's chain starts with one INSERT.
- Upserts staged until commit (``audit.stage_upsert``; the workspace case index): only the last
  row per key is written, right before COMMIT, on PostgreSQL inside the audit events' statement;
  reads in the transaction see it; savepoint rollbacks and rollbacks undo it like the change.
Same events, hashes and verification (domain.md: every state change writes an audit row)."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import requires_postgres
from tests.skeleton.test_flow import open_case
from workflows.core.audit import audit_record, case_chain, stage_upsert, verify_chain
from workflows.core.flows import case_lock
from workflows.core.models import AuditChainHead, AuditEvent
from workflows.skeleton.flows import SkeletonFlow
from workflows.skeleton.models import SkeletonProcess
from workflows.workspace.indexing import index_values
from workflows.workspace.models import CaseIndex

pytestmark = [pytest.mark.usefixtures("test_actions"), pytest.mark.django_db(transaction=True)]


def _head_reads(queries) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].startswith('SELECT "core_auditchainhead"'))


def _index_writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'INTO "workspace_caseindex"' in q["sql"]]


def _seqs(chain: str) -> list[int]:
    return list(AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True))


@pytest.fixture
def case(region, case_worker_a):
    return open_case(case_worker_a, region.village_a)


# --- the chain head, locked with the case ---------------------------------------------------


def test_events_under_the_case_lock_read_no_head(case):
    """Under ``case_lock`` the case's chain gets two more events without a head read of their
    own; they follow the stored head and the chain verifies."""
    chain = case_chain(case.pk)
    before = AuditChainHead.objects.get(chain=chain).seq
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), case_lock(SkeletonFlow, case.pk):
        audit_record(action="test.step", target=case, process_id=case.pk)
        audit_record(action="test.after", target=case, process_id=case.pk)
    assert _head_reads(queries) == 0
    assert _seqs(chain)[-2:] == [before + 1, before + 2]
    assert AuditChainHead.objects.get(chain=chain).seq == before + 2
    assert verify_chain(chain) is None


def test_an_event_before_the_lock_in_the_same_transaction_keeps_the_chain_in_order(case):
    """An event recorded (not yet written) before the case lock is taken: the lock's head read
    does not replace what the transaction knows, so the next event follows it."""
    chain = case_chain(case.pk)
    before = AuditChainHead.objects.get(chain=chain).seq
    with transaction.atomic():
        audit_record(action="test.first", target=case, process_id=case.pk)
        with case_lock(SkeletonFlow, case.pk):
            audit_record(action="test.third", target=case, process_id=case.pk)
    assert _seqs(chain)[-2:] == [before + 1, before + 2]
    assert verify_chain(chain) is None


@requires_postgres
def test_the_case_lock_holds_the_chain_head_until_the_transaction_ends(case):
    """While the case lock is held, another connection cannot lock the case's chain head (it
    would have to wait): appends to the chain stay serialised."""
    outcome = {}

    def elsewhere():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    'SELECT 1 FROM "core_auditchainhead" WHERE "chain" = %s FOR UPDATE NOWAIT', [case_chain(case.pk)]
                )
            outcome["locked"] = True
        except DatabaseError:
            outcome["locked"] = False
        finally:
            connections["default"].close()

    with transaction.atomic(), case_lock(SkeletonFlow, case.pk):
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
    assert outcome == {"locked": False}


def test_a_new_case_starts_its_chain_with_one_insert_and_no_lock_read(region, case_worker_a):
    """Opening a case creates its chain head with one INSERT (no locked read first, no
    savepoint), and the Start node's lock on the case created in the same transaction asks
    nothing; the opening events verify."""
    with CaptureQueriesContext(connection) as queries:
        process = open_case(case_worker_a, region.village_a)
    sqls = [q["sql"] for q in queries.captured_queries]
    assert _head_reads(queries) == 0
    assert sum(1 for sql in sqls if sql.startswith('INSERT INTO "core_auditchainhead"')) == 1
    assert not any("_has_send_back" in sql for sql in sqls)  # the case lock's statement
    assert _seqs(case_chain(process.pk))[0] == 1
    assert verify_chain(case_chain(process.pk)) is None


# --- upserts staged until commit -------------------------------------------------------------


def _row(case, number: str) -> CaseIndex:
    return CaseIndex(process_id=case.pk, **{**index_values(case), "case_number": number})


def _stored_number(case) -> str:
    return CaseIndex.objects.get(process_id=case.pk).case_number


def test_only_the_last_staged_row_is_written_at_commit_with_the_events(case):
    """Two rows staged for one case and an event: nothing is written before COMMIT, then the
    last row once; on PostgreSQL inside the statement that writes the event."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        stage_upsert(_row(case, "T-1"), update_fields=["case_number"])
        stage_upsert(_row(case, "T-2"), update_fields=["case_number"])
        audit_record(action="test.step", target=case, process_id=case.pk)
        assert _index_writes(queries) == []
    writes = _index_writes(queries)
    assert len(writes) == 1
    if connection.vendor == "postgresql":
        assert writes[0].startswith("WITH") and 'INSERT INTO "core_auditevent"' in writes[0]
    assert _stored_number(case) == "T-2"
    assert verify_chain(case_chain(case.pk)) is None


def test_a_case_saved_twice_in_a_transaction_writes_its_index_once(case):
    """The save receivers stage the case's index row: two saves with different index columns,
    one write at commit, with the later values."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        process = SkeletonProcess.objects.get(pk=case.pk)
        for number in ("T-3", "T-4"):
            process.case_number = number
            process.save(update_fields=["case_number"])
    assert len(_index_writes(queries)) == 1
    assert _stored_number(case) == "T-4"


def test_a_read_inside_the_transaction_sees_the_staged_row(case):
    """A statement on the index inside the transaction runs after the staged row is written."""
    with transaction.atomic():
        stage_upsert(_row(case, "T-5"), update_fields=["case_number"])
        assert _stored_number(case) == "T-5"
    assert _stored_number(case) == "T-5"


def test_a_savepoint_rollback_drops_only_its_staged_rows(case):
    """The row staged inside a rolled-back savepoint is dropped; the one staged before it is written."""
    with transaction.atomic():
        stage_upsert(_row(case, "T-6"), update_fields=["case_number"])
        with pytest.raises(RuntimeError), transaction.atomic():
            stage_upsert(_row(case, "T-7"), update_fields=["case_number"])
            raise RuntimeError("undone")
    assert _stored_number(case) == "T-6"


def test_a_row_written_inside_a_rolled_back_savepoint_is_written_again(case):
    """A read inside a savepoint writes the row staged before it; the savepoint rolls back (and
    the write with it): the row is still the transaction's and is written at commit."""
    with transaction.atomic():
        stage_upsert(_row(case, "T-8"), update_fields=["case_number"])
        with pytest.raises(RuntimeError), transaction.atomic():
            assert _stored_number(case) == "T-8"
            raise RuntimeError("undone")
    assert _stored_number(case) == "T-8"


def test_a_rolled_back_transaction_writes_no_staged_row(case):
    """Nothing staged in a transaction that rolls back reaches the table."""
    before = _stored_number(case)
    with pytest.raises(RuntimeError), transaction.atomic():
        stage_upsert(_row(case, "T-9"), update_fields=["case_number"])
        raise RuntimeError("undone")
    assert _stored_number(case) == before


def test_outside_a_transaction_the_row_is_written_at_once(case):
    """In autocommit there is no commit to wait for: the row is written at once."""
    with CaptureQueriesContext(connection) as queries:
        stage_upsert(_row(case, "T-10"), update_fields=["case_number"])
    assert len(_index_writes(queries)) == 1
    assert _stored_number(case) == "T-10"

"""Issue 8 item 2 and 6: the per-case hash chain, ``verify_history`` and the daily anchor.

Acceptance: changing any single event row, or deleting one, directly in the
database is reported with the case and the position.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from tests.conftest import requires_postgres
from workflows.core.audit import REASON_ANCHORED_MISSING, REASON_CONTENT, REASON_MISSING, REASON_TAIL
from workflows.core.models import AuditChainHead, AuditEvent
from workflows.history.models import HistoryAnchor
from workflows.history.services import anchor_create, anchors_verify, history_verify


def run_verify(*args):
    """(exit code, stdout, stderr) of ``manage.py verify_history``."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_history", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, out.getvalue(), err.getvalue()


def only_break(result):
    assert len(result.breaks) == 1, result.breaks
    return result.breaks[0]


def test_intact_history_verifies_ok(finished_case):
    """An untouched log: "OK <n> chains, <m> events", exit code 0."""
    code, out, _err = run_verify()
    events = AuditEvent.objects.count()
    assert code == 0
    assert out.startswith(f"OK {AuditChainHead.objects.count()} chains, {events} events")


def test_changed_data_is_reported_with_case_and_position(finished_case, tamper):
    """Editing one event's data breaks its own hash: reported at that seq, exit code 1."""
    chain = f"case:{finished_case.pk}"
    assert tamper.set_data(chain, 8, {"forged": True}) == 1
    code, _out, err = run_verify("--case", str(finished_case.pk))
    assert code == 1
    assert f"case {finished_case.pk} chain={chain} position=8: {REASON_CONTENT}" in err


# One column of one row changed directly in the database (the acceptance's "any single
# event row"): every column but the primary key is covered by the chain.
SINGLE_COLUMN_EDITS = {
    "occurred_at": (
        "occurred_at = occurred_at + interval '1 second'",
        "occurred_at = datetime(occurred_at, '+1 second')",
    ),
    "actor_id": ("actor_id = NULL", None),
    "on_behalf_of_id": ("on_behalf_of_id = actor_id", None),
    "action": ("action = 'case.forged'", None),
    "target_type": ("target_type = 'core.forged'", None),
    "target_id": ("target_id = '999999'", None),
    "process_id": ("process_id = NULL", None),
    "changes": ("changes = '{\"approved\": [false, true]}'", None),
    "data": ("data = '{}'", None),
    "prev_hash": ("prev_hash = repeat('a', 64)", "prev_hash = '" + "a" * 64 + "'"),
    "hash": ("hash = repeat('0', 64)", "hash = '" + "0" * 64 + "'"),
    "seq": ("seq = seq + 1000", None),
    "chain": ("chain = 'case:999999'", None),
}


@pytest.mark.parametrize("column", sorted(SINGLE_COLUMN_EDITS))
def test_any_single_column_change_is_reported_with_case_and_position(finished_case, tamper, column):
    """Whichever column of one event is edited in the database, ``verify_history --case``
    fails and names the case and the edited event's position (or, for a moved or
    renumbered row, the gap it left at that position)."""
    chain = f"case:{finished_case.pk}"
    # an event in the middle of the chain done by a user (so the actor columns can change)
    position = AuditEvent.objects.filter(chain=chain, seq__gt=2, actor__isnull=False).order_by("seq")[0].seq
    assert position < AuditChainHead.objects.get(chain=chain).seq
    pg_sql, sqlite_sql = SINGLE_COLUMN_EDITS[column]
    assignment = sqlite_sql if connection.vendor == "sqlite" and sqlite_sql else pg_sql
    statement = f"UPDATE core_auditevent SET {assignment} WHERE chain = %s AND seq = %s"  # noqa: S608 - test constants
    assert tamper.sql(statement, [chain, position]) == 1
    code, _out, err = run_verify("--case", str(finished_case.pk))
    assert code == 1, column
    assert f"BROKEN case {finished_case.pk} chain={chain} position={position}: " in err, (column, err)


def test_changed_hash_is_reported(finished_case, tamper):
    """Rewriting a stored hash is caught at that position."""
    chain = f"case:{finished_case.pk}"
    tamper.set_hash(chain, 3, "0" * 64)
    brk = only_break(history_verify())
    assert (brk.chain, brk.seq, brk.reason, brk.process_id) == (chain, 3, REASON_CONTENT, finished_case.pk)


def test_deleted_middle_row_is_reported(finished_case, tamper):
    """Deleting an event inside the chain leaves a gap reported at the missing position."""
    chain = f"case:{finished_case.pk}"
    assert tamper.delete(chain, 5) == 1
    code, _out, err = run_verify()
    assert code == 1
    assert f"position=5: {REASON_MISSING}" in err


def test_deleted_last_row_without_head_fix_is_reported(finished_case, tamper):
    """Deleting the last event while the head still points past it is caught by the head."""
    chain = f"case:{finished_case.pk}"
    last = AuditChainHead.objects.get(chain=chain).seq
    tamper.delete(chain, last)
    brk = only_break(history_verify(chains=[chain]))
    assert (brk.seq, brk.reason) == (last, REASON_TAIL)


def test_deleted_last_row_with_head_fixed_is_caught_by_anchor(finished_case, tamper):
    """Deleting the tail and rewinding the head evades the chain alone; the daily anchor
    taken before still records the deleted event, so verify_history reports it."""
    chain = f"case:{finished_case.pk}"
    anchor_create()
    last = AuditChainHead.objects.get(chain=chain).seq
    tamper.delete(chain, last)
    tamper.rewind_head(chain)
    code, _out, err = run_verify("--case", str(finished_case.pk))
    assert code == 1
    assert f"case {finished_case.pk} chain={chain} position={last}: {REASON_ANCHORED_MISSING}" in err


def test_deleted_whole_case_is_caught_by_anchor(finished_case, tamper):
    """Removing every event and the head of a case is reported from the anchor."""
    chain = f"case:{finished_case.pk}"
    anchor_create()
    anchored_seq = HistoryAnchor.objects.get().anchored()[chain][0]
    tamper.sql("DELETE FROM core_auditevent WHERE chain = %s", [chain])
    tamper.sql("DELETE FROM core_auditchainhead WHERE chain = %s", [chain])
    brk = only_break(history_verify())
    assert (brk.chain, brk.seq, brk.reason) == (chain, anchored_seq, REASON_ANCHORED_MISSING)


def test_without_anchor_a_rewound_tail_is_not_detectable(finished_case, tamper):
    """Documents the limit the anchor exists for: before the first anchor, a deleted tail
    with a rewound head verifies (only the anchor can catch it)."""
    chain = f"case:{finished_case.pk}"
    tamper.delete(chain, AuditChainHead.objects.get(chain=chain).seq)
    tamper.rewind_head(chain)
    assert history_verify().ok


def test_anchors_are_chained_and_tamper_evident(finished_case, tamper):
    """Each anchor links to the previous one; editing an anchor's heads is reported."""
    first = anchor_create()
    second = anchor_create()
    assert second.prev_hash == first.hash and second.root == first.root
    assert anchors_verify() == []
    tamper.sql("UPDATE history_historyanchor SET heads = %s WHERE id = %s", ["[]", first.pk])
    problems = anchors_verify()
    assert len(problems) == 1 and f"anchor {first.pk}" in problems[0]
    code, _out, err = run_verify()
    assert code == 1 and f"BROKEN anchor {first.pk}" in err


def test_anchor_command_and_beat_task(finished_case):
    """``manage.py anchor_history`` and the beat task each record an anchor over every head."""
    from io import StringIO

    from workflows.history.tasks import anchor_history_daily

    out = StringIO()
    call_command("anchor_history", stdout=out)
    anchor_history_daily()
    first, second = HistoryAnchor.objects.order_by("pk")
    assert first.chain_count == AuditChainHead.objects.filter(seq__gt=0).count()
    assert first.event_count == AuditEvent.objects.count()
    assert f"hash {first.hash}" in out.getvalue()
    assert second.prev_hash == first.hash


def test_database_refuses_update_of_audit_rows(finished_case):
    """The append-only trigger refuses UPDATE at the database level (PostgreSQL and SQLite)."""
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(chain=f"case:{finished_case.pk}").update(data={"forged": True})


@requires_postgres
def test_postgres_refuses_delete_of_audit_rows(finished_case):
    """On PostgreSQL the trigger refuses DELETE too (issue 8 item 6)."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE chain = %s", [f"case:{finished_case.pk}"])
    assert AuditEvent.objects.filter(chain=f"case:{finished_case.pk}").exists()


@requires_postgres
def test_harden_audit_table_leaves_app_role_insert_and_select_only(finished_case):
    """``harden_audit_table --app-role`` revokes UPDATE/DELETE/TRUNCATE from the app's role."""
    from io import StringIO

    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE history_test_app NOLOGIN")
        cursor.execute("GRANT USAGE ON SCHEMA public TO history_test_app")
    call_command("harden_audit_table", "--app-role", "history_test_app", stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE history_test_app")
        try:
            cursor.execute("SELECT count(*) FROM core_auditevent")
            assert cursor.fetchone()[0] > 0
            for statement in ("UPDATE core_auditevent SET data = '{}'", "DELETE FROM core_auditevent"):
                with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                    cursor.execute(statement)
        finally:
            cursor.execute("RESET ROLE")

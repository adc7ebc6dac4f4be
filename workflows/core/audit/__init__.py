"""Writing and verifying the audit log (writing here; ``canonical`` and ``verify`` beside it).

``audit_record`` is called by services inside their transaction; never after
the fact. Values are normalised to JSON (Decimal -> "12.34", dates -> ISO) so
the canonical content, and hence the hash, is stable across databases.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import Subquery, Value
from django.db.models.functions import Cast, Concat
from django.dispatch import Signal
from django.utils import timezone

from ..events import check_action
from ..models import AuditChainHead, AuditEvent
from ..txmemo import TransactionMemo
from ..types import Actor, AnyUser
from . import upserts
from .canonical import (
    CONTENT_FIELDS,
    Blank,
    canonical_content,
    canonical_row,
    canonical_template,
    compute_hash,
    compute_row_hash,
    diff,
    fill_template,
    to_jsonable,
)
from .upserts import StagedUpserts
from .verify import (
    REASON_ANCHOR_MISMATCH,
    REASON_ANCHORED_MISSING,
    REASON_CONTENT,
    REASON_LABELS,
    REASON_MISSING,
    REASON_NO_CHAIN,
    REASON_PREV_HASH,
    REASON_TAIL,
    ChainBreak,
    VerificationReport,
    verify_chain,
    verify_chains,
)

__all__ = [
    "CONTENT_FIELDS",
    "REASON_ANCHORED_MISSING",
    "REASON_ANCHOR_MISMATCH",
    "REASON_CONTENT",
    "REASON_LABELS",
    "REASON_MISSING",
    "REASON_NO_CHAIN",
    "REASON_PREV_HASH",
    "REASON_TAIL",
    "Blank",
    "ChainBreak",
    "StatementEvent",
    "VerificationReport",
    "audit_record",
    "audit_record_many",
    "canonical_content",
    "canonical_row",
    "canonical_template",
    "case_chain",
    "chain_for",
    "compute_hash",
    "compute_row_hash",
    "diff",
    "event_recorded",
    "fill_template",
    "flush_pending",
    "locked_head_column",
    "note_locked_head",
    "reading_locked_heads",
    "stage_upsert",
    "start_chain",
    "to_jsonable",
    "verify_chain",
    "verify_chains",
    "write_held",
]


def case_chain(process_id: int) -> str:
    return f"case:{process_id}"


def chain_for(target: models.Model, process_id: int | None = None) -> str:
    if process_id is not None:
        return case_chain(process_id)
    return f"{target._meta.label_lower}:{target.pk}"


def _chained_event(
    *, chain: str, seq: int, prev_hash: str, action: str, target: models.Model, actor: AnyUser | None,
    on_behalf_of: Actor, process_id: int | None, changes: dict[str, list[Any]] | None,
    data: dict[str, Any] | None,
) -> AuditEvent:  # fmt: skip
    """An unsaved event at ``seq`` after ``prev_hash``, its own hash computed."""
    event = AuditEvent(
        chain=chain,
        seq=seq,
        occurred_at=timezone.now(),
        actor=cast("User | None", actor) if getattr(actor, "is_authenticated", False) else None,
        on_behalf_of=on_behalf_of,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        process_id=process_id,
        changes=to_jsonable(changes or {}),
        data=to_jsonable(data or {}),
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(event)
    return event


# ``chain -> (seq, hash)`` of the heads this transaction has locked, as stored. Once a head
# row is locked (``SELECT … FOR UPDATE``) it stays locked until the transaction ends, so
# nobody else can move it and the next event of the same chain in the same transaction need
# not read it again. ``TransactionMemo`` forgets it on commit, rollback and savepoint
# rollback; the unique (chain, seq) index stays the second line of defence.
_locked_heads = TransactionMemo()
# Set while the buffer is written or a head is locked: statements that must not flush it.
_flushing = threading.local()


def _heads_alias() -> str:
    return router.db_for_write(AuditChainHead) or DEFAULT_DB_ALIAS


def _locked_head(chain: str) -> tuple[int, str]:
    """``(seq, hash)`` of the chain's stored head, locked for this transaction (created if new)."""
    heads = _locked_heads.current(_heads_alias())
    if heads and chain in heads:
        return heads[chain]
    with _not_flushing():  # locking the head writes nothing
        stored = _lock_or_create_head(chain)
    if heads is not None:
        heads[chain] = stored
    return stored


def _lock_or_create_head(chain: str) -> tuple[int, str]:
    """The locked read; for a new chain, one ``INSERT … ON CONFLICT DO NOTHING`` (the new row
    is this transaction's until it ends) instead of ``get_or_create``'s savepoint, insert and
    release. A concurrent creator wins the conflict: then the row is read locked after all."""
    rows = AuditChainHead._base_manager.select_for_update().filter(chain=chain).values_list("seq", "hash")
    head = rows.first()
    if head is not None:
        return head
    if _insert_head(chain):
        return 0, ""
    head = rows.first()  # created meanwhile by another transaction: wait for it, then lock it
    assert head is not None
    return head


def _insert_head(chain: str) -> bool:
    """Create the chain's head row (seq 0) unless it exists; whether this statement created it."""
    connection = connections[_heads_alias()]
    quote, table = connection.ops.quote_name, AuditChainHead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({quote('chain')}, {quote('seq')}, {quote('hash')}) "  # noqa: S608 - names from the model
            f"VALUES (%s, 0, '') ON CONFLICT ({quote('chain')}) DO NOTHING",
            [chain],
        )
        return cursor.rowcount == 1


def start_chain(chain: str) -> None:
    """A chain nothing can have written to yet (a case inserted by this transaction): its head
    row is created, and so locked, with one INSERT instead of a locked read first. Should it
    exist after all, nothing happens and the next event reads it as usual."""
    heads = _locked_heads.current(_heads_alias())
    if heads is None or chain in heads:
        return
    with _not_flushing():
        if _insert_head(chain):
            heads[chain] = (0, "")


@contextmanager
def _not_flushing() -> Iterator[None]:
    """Statements on the audit tables inside the block do not write the buffer first."""
    quiet, _flushing.active = getattr(_flushing, "active", False), True
    try:
        yield
    finally:
        _flushing.active = quiet


def locked_head_column(chain: Any) -> Subquery:
    """A column for another statement (``chain``: an expression of that statement's row) that
    locks the chain's stored head and reads it as ``"seq:hash"`` (NULL for a chain without
    one). The statement must run inside ``reading_locked_heads()``, and hand what it read
    to ``note_locked_head``: the next event of the chain in this transaction then needs no
    locked read of its own (issue 19: the case lock's statement locks the case's chain)."""
    heads = AuditChainHead._base_manager.select_for_update().filter(chain=chain)
    return Subquery(heads.values(joined=Concat(Cast("seq", models.CharField()), Value(":"), "hash"))[:1])


def reading_locked_heads() -> AbstractContextManager[None]:
    """Around a statement with a ``locked_head_column``: it need not write this transaction's
    buffered events first (a chain with buffered events has its head noted already)."""
    return _not_flushing()


def note_locked_head(chain: str, joined: str | None) -> None:
    """Remember the head a ``locked_head_column`` read and locked (inside a transaction)."""
    heads = _locked_heads.current(_heads_alias())
    if joined is None or heads is None or chain in heads:
        return  # no head yet, autocommit, or the head this transaction knows already
    seq, _colon, digest = joined.partition(":")
    heads[chain] = (int(seq), digest)


# --- events buffered per transaction (issue 19 item 2) ---------------------------------
# ``audit_record`` computes an event (seq, prev_hash, hash) at once but writes it later: all
# events of a transaction go in with one multi-row INSERT and one UPDATE per chain head,
# right before COMMIT (``flush_pending``, hooked into the connection's ``commit``), or
# earlier whenever any statement touches the audit tables (a read inside the transaction
# sees its own events), or an event's ``pk`` is asked for. Like Django's ``on_commit``
# callbacks, each buffered event remembers the savepoints open when it was recorded: a
# rollback to one of them drops it, and a rollback of the transaction drops them all, so an
# event undone with its change is never written.


class _Buffer:
    def __init__(self) -> None:
        self.events: list[tuple[AuditEvent, tuple[str, ...]]] = []  # (event, open savepoints)
        # Events written by a flush while savepoints were open: (event, savepoints open when it
        # was recorded, savepoints open when it was written). Rolling back one of the latter
        # undoes the INSERT; an event recorded before that savepoint is still the outer
        # transaction's, so it goes back into the buffer instead of being lost.
        self.flushed: list[tuple[AuditEvent, tuple[str, ...], tuple[str, ...]]] = []
        self.upserts = StagedUpserts()  # written at commit, with the events (``stage_upsert``)

    def tip(self, chain: str) -> tuple[int, str] | None:
        for event, _sids in reversed(self.events):
            if event.chain == chain:
                return event.seq, event.hash
        return None


# ``connection`` is a Django connection wrapper that this module extends with attributes of
# its own (``_audit_buffer``) and wrapped methods, hence ``Any``.
def _buffer(connection: Any) -> _Buffer:
    buffer = connection.__dict__.get("_audit_buffer")
    if buffer is None:
        buffer = connection._audit_buffer = _Buffer()
        _hook(connection)
    return buffer


def _hook(connection: Any) -> None:
    """Wrap the connection's commit, rollback, savepoint rollback and close (once per
    connection object) and put an execute wrapper in front of its statements."""
    commit, rollback, savepoint_rollback, close = (
        connection.commit, connection.rollback, connection.savepoint_rollback, connection.close
    )  # fmt: skip

    def commit_with_audit() -> None:
        # A failure here propagates from ``commit``: ``Atomic.__exit__`` rolls back.
        _flush(connection, at_commit=True)
        commit()
        connection._audit_buffer.flushed = []
        connection._audit_buffer.upserts.clear()

    def rollback_dropping_audit() -> None:
        connection._audit_buffer.events, connection._audit_buffer.flushed = [], []
        connection._audit_buffer.upserts.clear()
        rollback()

    def savepoint_rollback_dropping_audit(sid: str) -> None:
        buffer = connection._audit_buffer
        undone = [(e, sids) for e, sids, written_in in buffer.flushed if sid in written_in and sid not in sids]
        for event, _sids in undone:
            event.__dict__["_audit_buffered"] = True  # read by ``AuditEvent.pk``
        buffer.flushed = [entry for entry in buffer.flushed if sid not in entry[2]]
        buffer.events = undone + [(e, sids) for e, sids in buffer.events if sid not in sids]
        buffer.upserts.rolled_back_to(sid)
        savepoint_rollback(sid)

    def close_dropping_audit() -> None:
        connection._audit_buffer.events, connection._audit_buffer.flushed = [], []
        connection._audit_buffer.upserts.clear()
        close()

    def flush_before_audit_sql(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        # Any statement on the audit tables (the ORM, or raw SQL such as the tamper tests)
        # runs after this transaction's buffered events are written.
        buffer = connection._audit_buffer
        if buffer.events and _AUDIT_TABLES.search(sql or ""):
            flush_pending(connection.alias)
        if buffer.upserts.touches(sql or ""):  # likewise a statement on a table with staged rows
            _write_upserts_early(connection)
        return execute(sql, params, many, context)

    connection.commit = commit_with_audit
    connection.rollback = rollback_dropping_audit
    connection.savepoint_rollback = savepoint_rollback_dropping_audit
    connection.close = close_dropping_audit
    connection.execute_wrappers.insert(0, flush_before_audit_sql)


_AUDIT_TABLES = re.compile(r"core_audit(event|chainhead)\b")


def _append(connection: Any, event: AuditEvent) -> None:
    _buffer(connection).events.append((event, tuple(connection.savepoint_ids)))
    event.__dict__["_audit_buffered"] = True  # read by ``AuditEvent.pk``


def _tip(connection: Any, chain: str) -> tuple[int, str]:
    """Where the next event of ``chain`` goes: after this transaction's last buffered event
    of the chain, else after the locked stored head."""
    head = _locked_head(chain)
    buffered = _buffer(connection).tip(chain)
    return buffered or head


def stage_upsert(row: models.Model, *, update_fields: Iterable[str]) -> None:
    """Write ``row`` (its primary key set) with ``INSERT … ON CONFLICT (pk) DO UPDATE`` of
    ``update_fields`` when the transaction commits, not now: only the last row staged per key
    is written, on PostgreSQL as part of the statement that writes the transaction's audit
    events (``upserts``). Outside a transaction it is written at once."""
    connection = connections[router.db_for_write(type(row)) or DEFAULT_DB_ALIAS]
    fields = tuple(update_fields)
    if not connection.in_atomic_block:
        upserts.write(connection, [(type(row), fields, [row])])
        return
    _buffer(connection).upserts.add(upserts.Staged(row, fields, tuple(connection.savepoint_ids)))


def _write_upserts_early(connection: Any) -> None:
    staged = connection._audit_buffer.upserts
    staged.writing = True
    try:
        upserts.write(connection, staged.groups())
    finally:
        staged.writing = False
    staged.written_early(tuple(connection.savepoint_ids))


def write_held(alias: str | None = None) -> None:
    """Write now what this transaction holds back until its commit (buffered audit events,
    staged upserts), as a statement on those tables would. For a test that counts one
    request's statements inside a transaction that never commits: in a real request the rows
    it reads were committed, and so written, by an earlier one."""
    connection = connections[alias or _heads_alias()]
    flush_pending(connection.alias)
    buffer = connection.__dict__.get("_audit_buffer")
    if buffer is not None and buffer.upserts.staged:
        _write_upserts_early(connection)


def flush_pending(alias: str | None = None) -> int:
    """Write this transaction's buffered events: one INSERT for all, one head UPDATE per chain."""
    return _flush(connections[alias or _heads_alias()])


def _flush(connection: Any, *, at_commit: bool = False) -> int:
    """``flush_pending``; right before COMMIT (``at_commit``) with the staged upserts."""
    buffer = connection.__dict__.get("_audit_buffer")
    if buffer is None or getattr(_flushing, "active", False):
        return 0
    joined = buffer.upserts.groups() if at_commit else []
    if not buffer.events:
        if joined:
            _write_upserts_early(connection)
        return 0
    recorded = list(buffer.events)
    events = [event for event, _sids in recorded]
    buffer.events = []
    _flushing.active = buffer.upserts.writing = True  # its own statements flush nothing
    try:
        with transaction.atomic(using=connection.alias, savepoint=False):
            tips: dict[str, AuditEvent] = {}
            for event in events:
                tips[event.chain] = event
            # An event written once already and put back by a savepoint rollback keeps its id
            # (a reader may hold it): written again with that id by ``bulk_create``; the one
            # statement is for the usual case, events never written.
            if connection.vendor == "postgresql" and all(event.id is None for event in events):
                _write_in_one_statement(connection, events, list(tips.values()), joined)
                joined = []
            else:
                AuditEvent._base_manager.using(connection.alias).bulk_create(events)
                for chain, event in tips.items():
                    AuditChainHead._base_manager.using(connection.alias).filter(chain=chain).update(
                        seq=event.seq, hash=event.hash
                    )
            heads = _locked_heads.current(connection.alias)
            if heads is not None:
                for chain, event in tips.items():
                    heads[chain] = (event.seq, event.hash)
    finally:
        _flushing.active = buffer.upserts.writing = False
    if joined:
        _write_upserts_early(connection)
    written_in = tuple(connection.savepoint_ids)
    if written_in:
        buffer.flushed.extend((event, sids, written_in) for event, sids in recorded)
    for event in events:
        event.__dict__["_audit_buffered"] = False
    return len(events)


def _write_in_one_statement(
    connection: Any,
    events: list[AuditEvent],
    tips: list[AuditEvent],
    joined: list[tuple[type[models.Model], tuple[str, ...], list[models.Model]]],
) -> None:
    """PostgreSQL: the events' multi-row INSERT (as ``bulk_create`` builds it) and the chain
    heads' UPDATE as one statement, a data-modifying ``WITH`` (issue 19: one statement per
    transaction and chain fewer), with the ``joined`` staged upserts as further parts of it
    (each part runs once, whether the final SELECT reads it or not). Sets each event's id,
    like ``bulk_create``."""
    from django.db.models.sql import InsertQuery

    opts = AuditEvent._meta
    query = InsertQuery(AuditEvent)
    rows: list[models.Model] = [*events]
    query.insert_values([f for f in opts.concrete_fields if not f.primary_key], rows)
    compiler = query.get_compiler(using=connection.alias)
    compiler.returning_fields = [opts.pk]
    ((insert_sql, insert_params),) = compiler.as_sql()
    quote = connection.ops.quote_name
    head = AuditChainHead._meta
    sql = (
        f"WITH inserted AS ({insert_sql}), moved AS ("  # noqa: S608 - names from the models, values as parameters
        f"UPDATE {quote(head.db_table)} AS h SET {quote('seq')} = v.seq, {quote('hash')} = v.hash "
        f"FROM (VALUES {', '.join(['(%s, %s::bigint, %s)'] * len(tips))}) AS v(chain, seq, hash) "
        f"WHERE h.{quote('chain')} = v.chain) "
    )
    params = [*insert_params, *(value for event in tips for value in (event.chain, event.seq, event.hash))]
    for number, (model, update_fields, rows) in enumerate(joined):
        upsert, upsert_params = upserts.upsert_sql(connection, model, update_fields, rows)
        sql += f", staged_{number} AS ({upsert}) "
        params += upsert_params
    sql += f"SELECT {quote(opts.pk.column)} FROM inserted"  # noqa: S608 - as above
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    for event, pk in zip(events, ids, strict=True):
        event.id = pk
        event._state.adding, event._state.db = False, connection.alias


#: Sent for every event as it is recorded (inside the change's transaction). Events are
#: written in one batch just before the transaction commits, without ``post_save``, so a
#: receiver that reacts to an event listens here: ``event_recorded.connect(fn)``, called as
#: ``fn(sender=AuditEvent, event=event)``.
event_recorded = Signal()


def audit_record(
    *,
    action: str,
    target: models.Model,
    actor: AnyUser | None = None,
    on_behalf_of: Actor = None,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
    process_id: int | None = None,
    chain: str | None = None,
) -> AuditEvent:
    """Append one event to the target's chain. Call inside the change's transaction.

    ``action`` must be declared in ``workflows.core.events`` (checked by ``check_action``).
    Locks the chain head row, so appends to one chain are serialised; the
    unique (chain, seq) constraint is the second line of defence. The event is written
    with the transaction's other events before it commits (``flush_pending``).
    """
    check_action(action)
    chain = chain or chain_for(target, process_id)
    # No savepoint of its own: the event belongs to the caller's change, and a failure here
    # must fail that change.
    with transaction.atomic(savepoint=False):
        connection = connections[_heads_alias()]
        seq, prev_hash = _tip(connection, chain)
        event = _chained_event(
            chain=chain, seq=seq + 1, prev_hash=prev_hash, action=action, target=target, actor=actor,
            on_behalf_of=on_behalf_of, process_id=process_id, changes=changes, data=data,
        )  # fmt: skip
        _append(connection, event)
    event_recorded.send(sender=AuditEvent, event=event)
    return event


def audit_record_many(
    *,
    action: str,
    items: Iterable[tuple[models.Model, dict[str, Any]]],
    chain: str,
    process_id: int | None = None,
    actor: AnyUser | None = None,
) -> list[AuditEvent]:
    """Append one event per ``(target, data)`` to ``chain``: the same events ``audit_record``
    would append one by one (same seq, prev_hash and hash). Call inside the change's transaction.
    """
    check_action(action)
    events = []
    with transaction.atomic(savepoint=False):
        connection = connections[_heads_alias()]
        seq, prev = _tip(connection, chain)
        for target, data in items:
            event = _chained_event(
                chain=chain, seq=seq + 1, prev_hash=prev, action=action, target=target, actor=actor,
                on_behalf_of=None, process_id=process_id, changes=None, data=data,
            )  # fmt: skip
            _append(connection, event)
            events.append(event)
            seq, prev = event.seq, event.hash
    for event in events:
        event_recorded.send(sender=AuditEvent, event=event)
    return events


# Last: ``statement`` uses the buffer's helpers defined above (a module of its own to keep this
# one under the size the house keeps, issue 20 item 1).
from .statement import StatementEvent  # noqa: E402

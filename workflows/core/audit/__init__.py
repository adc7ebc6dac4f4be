"""Writing and verifying the audit log.

``audit_record`` is called by services inside their transaction; never after
the fact. Values are normalised to JSON (Decimal -> "12.34", dates -> ISO) so
the canonical content, and hence the hash, is stable across databases.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import check_action
from .models import AuditChainHead, AuditEvent
from .txmemo import TransactionMemo


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "label") and hasattr(value, "value"):  # TextChoices member
        return value.value
    return value


#: Columns that make up an event's canonical content (``hash`` excluded).
CONTENT_FIELDS = (
    "chain",
    "seq",
    "occurred_at",
    "actor_id",
    "on_behalf_of_id",
    "action",
    "target_type",
    "target_id",
    "process_id",
    "changes",
    "data",
    "prev_hash",
)


def canonical_row(row: dict[str, Any]) -> bytes:
    """Canonical bytes of an event given as a ``values()`` row (keys of ``CONTENT_FIELDS``).

    The same bytes as ``canonical_content`` of the model instance, so a
    verifier can stream plain rows instead of building model objects.
    """
    body = {
        "chain": row["chain"],
        "seq": row["seq"],
        "occurred_at": to_jsonable(row["occurred_at"]),
        "actor": row["actor_id"],
        "on_behalf_of": row["on_behalf_of_id"],
        "action": row["action"],
        "target_type": row["target_type"],
        "target_id": row["target_id"],
        "process_id": row["process_id"],
        "changes": row["changes"],
        "data": row["data"],
        "prev_hash": row["prev_hash"],
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def canonical_content(event: AuditEvent) -> bytes:
    return canonical_row({field: getattr(event, field) for field in CONTENT_FIELDS})


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical_content(event)).hexdigest()


def compute_row_hash(row: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_row(row)).hexdigest()


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-level {field: [old, new]} for the keys whose value changed."""
    out = {}
    for key in sorted(set(old) | set(new)):
        before, after = to_jsonable(old.get(key)), to_jsonable(new.get(key))
        if before != after:
            out[key] = [before, after]
    return out


def chain_for(target: models.Model, process_id: int | None = None) -> str:
    if process_id is not None:
        return f"case:{process_id}"
    return f"{target._meta.label_lower}:{target.pk}"


def _chained_event(
    *, chain: str, seq: int, prev_hash: str, action: str, target: models.Model, actor, on_behalf_of,
    process_id: int | None, changes, data,
) -> AuditEvent:  # fmt: skip
    """An unsaved event at ``seq`` after ``prev_hash``, its own hash computed."""
    event = AuditEvent(
        chain=chain,
        seq=seq,
        occurred_at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
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
    quiet, _flushing.active = getattr(_flushing, "active", False), True  # locking the head writes nothing
    try:
        head, _ = AuditChainHead._base_manager.select_for_update().get_or_create(chain=chain)
    finally:
        _flushing.active = quiet
    if heads is not None:
        heads[chain] = (head.seq, head.hash)
    return head.seq, head.hash


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
    def __init__(self):
        self.events: list[tuple[AuditEvent, tuple[str, ...]]] = []  # (event, open savepoints)
        # Events written by a flush while savepoints were open: (event, savepoints open when it
        # was recorded, savepoints open when it was written). Rolling back one of the latter
        # undoes the INSERT; an event recorded before that savepoint is still the outer
        # transaction's, so it goes back into the buffer instead of being lost.
        self.flushed: list[tuple[AuditEvent, tuple[str, ...], tuple[str, ...]]] = []

    def tip(self, chain: str) -> tuple[int, str] | None:
        for event, _sids in reversed(self.events):
            if event.chain == chain:
                return event.seq, event.hash
        return None


def _buffer(connection) -> _Buffer:
    buffer = connection.__dict__.get("_audit_buffer")
    if buffer is None:
        buffer = connection._audit_buffer = _Buffer()
        _hook(connection)
    return buffer


def _hook(connection) -> None:
    """Wrap the connection's commit, rollback, savepoint rollback and close (once per
    connection object) and put an execute wrapper in front of its statements."""
    commit, rollback, savepoint_rollback, close = (
        connection.commit, connection.rollback, connection.savepoint_rollback, connection.close
    )  # fmt: skip

    def commit_with_audit():
        # A failure here propagates from ``commit``: ``Atomic.__exit__`` rolls back.
        flush_pending(connection.alias)
        commit()
        connection._audit_buffer.flushed = []

    def rollback_dropping_audit():
        connection._audit_buffer.events, connection._audit_buffer.flushed = [], []
        rollback()

    def savepoint_rollback_dropping_audit(sid):
        buffer = connection._audit_buffer
        undone = [(e, sids) for e, sids, written_in in buffer.flushed if sid in written_in and sid not in sids]
        for event, _sids in undone:
            event._audit_buffered = True
        buffer.flushed = [entry for entry in buffer.flushed if sid not in entry[2]]
        buffer.events = undone + [(e, sids) for e, sids in buffer.events if sid not in sids]
        savepoint_rollback(sid)

    def close_dropping_audit():
        connection._audit_buffer.events, connection._audit_buffer.flushed = [], []
        close()

    def flush_before_audit_sql(execute, sql, params, many, context):
        # Any statement on the audit tables (the ORM, or raw SQL such as the tamper tests)
        # runs after this transaction's buffered events are written.
        if connection._audit_buffer.events and _AUDIT_TABLES.search(sql or ""):
            flush_pending(connection.alias)
        return execute(sql, params, many, context)

    connection.commit = commit_with_audit
    connection.rollback = rollback_dropping_audit
    connection.savepoint_rollback = savepoint_rollback_dropping_audit
    connection.close = close_dropping_audit
    connection.execute_wrappers.insert(0, flush_before_audit_sql)


_AUDIT_TABLES = re.compile(r"core_audit(event|chainhead)\b")


def _append(connection, event: AuditEvent) -> None:
    _buffer(connection).events.append((event, tuple(connection.savepoint_ids)))
    event._audit_buffered = True


def _tip(connection, chain: str) -> tuple[int, str]:
    """Where the next event of ``chain`` goes: after this transaction's last buffered event
    of the chain, else after the locked stored head."""
    head = _locked_head(chain)
    buffered = _buffer(connection).tip(chain)
    return buffered or head


def flush_pending(alias: str | None = None) -> int:
    """Write this transaction's buffered events: one INSERT for all, one head UPDATE per chain."""
    connection = connections[alias or _heads_alias()]
    buffer = connection.__dict__.get("_audit_buffer")
    if buffer is None or not buffer.events or getattr(_flushing, "active", False):
        return 0
    recorded = list(buffer.events)
    events = [event for event, _sids in recorded]
    buffer.events = []
    if not events:
        return 0
    _flushing.active = True
    try:
        with transaction.atomic(using=connection.alias, savepoint=False):
            AuditEvent._base_manager.using(connection.alias).bulk_create(events)
            tips: dict[str, AuditEvent] = {}
            for event in events:
                tips[event.chain] = event
            heads = _locked_heads.current(connection.alias)
            for chain, event in tips.items():
                AuditChainHead._base_manager.using(connection.alias).filter(chain=chain).update(
                    seq=event.seq, hash=event.hash
                )
                if heads is not None:
                    heads[chain] = (event.seq, event.hash)
    finally:
        _flushing.active = False
    written_in = tuple(connection.savepoint_ids)
    if written_in:
        buffer.flushed.extend((event, sids, written_in) for event, sids in recorded)
    for event in events:
        event._audit_buffered = False
    return len(events)


#: Sent for every event as it is recorded (inside the change's transaction). Events are
#: written in one batch just before the transaction commits, without ``post_save``, so a
#: receiver that reacts to an event listens here: ``event_recorded.connect(fn)``, called as
#: ``fn(sender=AuditEvent, event=event)``.
event_recorded = Signal()


def audit_record(
    *,
    action: str,
    target: models.Model,
    actor=None,
    on_behalf_of=None,
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
    actor=None,
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


# Reasons a chain is broken (stable codes; ``REASON_LABELS`` has the display text).
REASON_MISSING = "missing event"
REASON_PREV_HASH = "prev_hash does not match"
REASON_CONTENT = "content does not match its hash"
REASON_TAIL = "events missing at the end of the chain"
REASON_ANCHOR_MISMATCH = "event differs from the anchored one"
REASON_ANCHORED_MISSING = "anchored event missing"
REASON_NO_CHAIN = "case process has no audit chain"

REASON_LABELS = {
    REASON_MISSING: _("缺少事件（已被删除）"),
    REASON_PREV_HASH: _("前一哈希不符（顺序被改动）"),
    REASON_CONTENT: _("内容与哈希不符（已被修改）"),
    REASON_TAIL: _("链尾事件缺失"),
    REASON_ANCHOR_MISMATCH: _("与每日锚定记录不符"),
    REASON_ANCHORED_MISSING: _("已锚定的事件缺失（链尾或整案被删除）"),
    REASON_NO_CHAIN: _("案件流程没有任何审计事件（整条链被删除）"),
}


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    seq: int
    reason: str

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS.get(self.reason, self.reason))

    @property
    def process_id(self) -> int | None:
        prefix, _sep, rest = self.chain.partition(":")
        return int(rest) if prefix == "case" and rest.isdigit() else None


def verify_chain(chain: str) -> ChainBreak | None:
    """Recompute one chain; return the first broken link, or None if intact."""
    prev = ""
    expected_seq = 1
    for event in AuditEvent.objects.filter(chain=chain).order_by("seq").iterator():
        if event.seq != expected_seq:
            return ChainBreak(chain, expected_seq, REASON_MISSING)
        if event.prev_hash != prev:
            return ChainBreak(chain, event.seq, REASON_PREV_HASH)
        if compute_hash(event) != event.hash:
            return ChainBreak(chain, event.seq, REASON_CONTENT)
        prev = event.hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head and (head.seq != expected_seq - 1 or head.hash != prev):
        return ChainBreak(chain, expected_seq, REASON_TAIL)
    return None


@dataclass
class VerificationReport:
    chains: int = 0
    events: int = 0
    breaks: list[ChainBreak] = dc_field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


class _ChainCheck:
    """Running check of one chain while its rows stream past in seq order."""

    def __init__(self, chain: str, anchored: tuple[int, str] | None):
        self.chain = chain
        self.anchored = anchored
        self.prev = ""
        self.expected = 1
        self.broken: ChainBreak | None = None

    def feed(self, row: dict[str, Any]) -> None:
        if self.broken:
            return
        seq = row["seq"]
        if seq != self.expected:
            self.broken = ChainBreak(self.chain, self.expected, REASON_MISSING)
        elif row["prev_hash"] != self.prev:
            self.broken = ChainBreak(self.chain, seq, REASON_PREV_HASH)
        elif compute_row_hash(row) != row["hash"]:
            self.broken = ChainBreak(self.chain, seq, REASON_CONTENT)
        elif self.anchored and self.anchored[0] == seq and self.anchored[1] != row["hash"]:
            self.broken = ChainBreak(self.chain, seq, REASON_ANCHOR_MISMATCH)
        else:
            self.prev = row["hash"]
            self.expected += 1

    def finish(self, head: tuple[int, str] | None) -> ChainBreak | None:
        if self.broken:
            return self.broken
        last = self.expected - 1
        # head[0] < last only when events were appended after the heads were
        # read (the scan is not one snapshot): not a break.
        if head is not None and (head[0] > last or (head[0] == last and head[1] != self.prev)):
            return ChainBreak(self.chain, self.expected, REASON_TAIL)
        if self.anchored and self.anchored[0] > last:
            return ChainBreak(self.chain, self.anchored[0], REASON_ANCHORED_MISSING)
        return None


def verify_chains(
    chains: Iterable[str] | None = None,
    *,
    anchored: dict[str, tuple[int, str]] | None = None,
    chunk_size: int = 5000,
) -> VerificationReport:
    """Recompute many chains (all of them by default) in one ordered scan.

    Reports the first broken link of every broken chain. ``anchored`` maps a
    chain to the (seq, hash) a daily anchor recorded for it: the event at that
    seq must still exist with that hash, which catches a chain whose tail was
    deleted and whose head was rewound, or a case deleted as a whole.
    """
    anchored = anchored or {}
    events = AuditEvent.objects.order_by("chain", "seq")
    heads_qs = AuditChainHead.objects.all()
    if chains is not None:
        chains = list(chains)
        events = events.filter(chain__in=chains)
        heads_qs = heads_qs.filter(chain__in=chains)
        anchored = {c: v for c, v in anchored.items() if c in set(chains)}
    heads = {chain: (seq, hash_) for chain, seq, hash_ in heads_qs.values_list("chain", "seq", "hash")}
    report = VerificationReport()
    seen: set[str] = set()
    current: _ChainCheck | None = None

    def close(check: _ChainCheck) -> None:
        seen.add(check.chain)
        report.chains += 1
        broken = check.finish(heads.get(check.chain))
        if broken:
            report.breaks.append(broken)

    for row in events.values(*CONTENT_FIELDS, "hash").iterator(chunk_size=chunk_size):
        if current is None or row["chain"] != current.chain:
            if current is not None:
                close(current)
            current = _ChainCheck(row["chain"], anchored.get(row["chain"]))
        current.feed(row)
        report.events += 1
    if current is not None:
        close(current)
    # Chains that have a head or an anchor but no events left at all.
    for chain in sorted((set(heads) | set(anchored)) - seen):
        head, anchor = heads.get(chain), anchored.get(chain)
        if head and head[0] > 0:
            report.chains += 1
            report.breaks.append(ChainBreak(chain, 1, REASON_MISSING))
        elif anchor:
            report.chains += 1
            report.breaks.append(ChainBreak(chain, anchor[0], REASON_ANCHORED_MISSING))
    report.breaks.sort(key=lambda b: (b.chain, b.seq))
    return report

"""An audit event written by the statement that makes its change (issue 19): the fund payment's
event is hashed and inserted, and its chain head moved, by the payment's own statement, so the
fund is locked for one statement. Beside the buffered writes of ``workflows.core.audit``, whose
private helpers it shares (imported from the package, which imports this module last).
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models
from django.utils import timezone

from ..events import check_action
from ..models import AuditChainHead, AuditEvent
from ..types import AnyUser
from . import _buffer, _heads_alias, _insert_head, _locked_heads, _not_flushing, event_recorded, flush_pending
from .canonical import Blank, canonical_template, to_jsonable


class StatementEvent:
    """One event that the statement making its change writes too, hash included, so nothing
    of it waits for the COMMIT and no client round trip comes between that statement and
    the COMMIT (issue 19: a payment holds its fund's row lock for one statement + COMMIT).

    The statement locks the chain's stored head after its own rows (``FOR UPDATE OF`` the
    head joined to them: in the caller's lock order, and no head lock when they are
    empty), and computes in SQL what only the head knows: ``seq`` (head + 1), ``prev_hash``
    (the head's hash) and the hash, sha256 of the canonical text that ``canonical_template``
    built here, before any lock, around those values; then it moves the head and inserts the
    event, ``changes`` and ``data`` parsed from that same text. So ``verify_chain`` finds
    the hash it recomputes. Values that the statement itself makes (a row id, a balance)
    stand in ``changes``/``data`` as ``Blank``s, each with the SQL of its JSON text
    (``blanks``); user text is never built in SQL.

    PostgreSQL only. ``ctes(source)`` gives further parts of the caller's ``WITH``
    (``source``: its FROM items that the blanks' SQL reads, e.g. ``"entry, paid"``); its
    final SELECT joins ``LEFT JOIN audit_event ON true`` and selects ``COLUMNS``; those
    four values go to ``written``. A chain without a stored head would get no event, so the
    statement must change nothing unless ``head_exists()`` holds; when it does not, the
    caller creates the head (``start()``) and runs the statement again. In autocommit the
    statement is the whole transaction: nothing is left for a COMMIT at all.
    """

    COLUMNS = ("audit_event.id", "audit_event.seq", "audit_event.prev_hash", "audit_event.hash")

    def __init__(
        self, *, action: str, target: models.Model, actor: AnyUser | None, chain: str,
        changes: dict[str, Any], data: dict[str, Any], blanks: dict[Blank, str], process_id: int | None = None,
    ) -> None:  # fmt: skip
        check_action(action)
        self.connection = connections[_heads_alias()]
        self.seq, self.prev_hash = Blank("seq"), Blank("prev_hash")
        self.blanks = blanks
        actor_id = actor.pk if getattr(actor, "is_authenticated", False) and actor is not None else None
        self.row = {
            "chain": chain,
            "seq": self.seq,
            "occurred_at": timezone.now(),
            "actor_id": actor_id,
            "on_behalf_of_id": None,
            "action": action,
            "target_type": target._meta.label_lower,
            "target_id": str(target.pk),
            "process_id": process_id,
            "changes": to_jsonable(changes),
            "data": to_jsonable(data),
            "prev_hash": self.prev_hash,
        }
        self.template = canonical_template(self.row)

    def ctes(self, source: str) -> tuple[str, list[Any]]:
        """``audit_head, audit_hashed, audit_moved, audit_event AS (...)`` and their parameters.

        Events of the chain that this transaction holds back are written first: the
        statement chains after the stored head, which must be the chain's tip."""
        connection, chain = self.connection, self.row["chain"]
        buffer = _buffer(connection)
        if buffer.tip(chain) is not None:
            flush_pending(connection.alias)
        quote = connection.ops.quote_name
        head, events = quote(AuditChainHead._meta.db_table), quote(AuditEvent._meta.db_table)
        own = {self.seq: "(h.seq + 1)::text", self.prev_hash: "to_json(h.hash)::text", **self.blanks}
        text, text_params = [], []
        for piece in self.template:
            if isinstance(piece, Blank):
                text.append(f"({own[piece]})")
            else:
                text.append("%s::text")
                text_params.append(piece)
        # The event's columns known here; seq, changes, data, prev_hash and hash come from SQL.
        fields = [f for f in AuditEvent._meta.concrete_fields if f.attname in self.row and f.attname not in (
            "seq", "changes", "data", "prev_hash",
        )]  # fmt: skip
        values = [field.get_db_prep_save(self.row[field.attname], connection) for field in fields]
        sql = (
            f"audit_head AS (SELECT h.seq + 1 AS seq, h.hash AS prev_hash, {' || '.join(text)} AS content "  # noqa: S608 - names from the models, values as parameters
            f"FROM {head} AS h, {source} WHERE h.{quote('chain')} = %s FOR UPDATE OF h), "
            "audit_hashed AS (SELECT seq, prev_hash, content, "
            "encode(sha256(convert_to(content, 'UTF8')), 'hex') AS hash FROM audit_head), "
            f"audit_moved AS (UPDATE {head} AS h SET {quote('seq')} = a.seq, {quote('hash')} = a.hash "
            f"FROM audit_hashed AS a WHERE h.{quote('chain')} = %s), "
            f"audit_event AS (INSERT INTO {events} ({', '.join(quote(str(f.column)) for f in fields)}, "
            f"{quote('seq')}, {quote('changes')}, {quote('data')}, {quote('prev_hash')}, {quote('hash')}) "
            f"SELECT {', '.join(f'CAST(%s AS {f.cast_db_type(connection)})' for f in fields)}, "
            "seq, content::jsonb -> 'changes', content::jsonb -> 'data', prev_hash, hash FROM audit_hashed "
            "RETURNING id, seq, prev_hash, hash)"
        )
        return sql, [*text_params, chain, chain, *values]

    def head_exists(self) -> tuple[str, list[Any]]:
        """An SQL condition: the chain has a stored head (a statement's guard)."""
        quote = self.connection.ops.quote_name
        table = quote(AuditChainHead._meta.db_table)
        return f"EXISTS (SELECT 1 FROM {table} WHERE {quote('chain')} = %s)", [self.row["chain"]]  # noqa: S608 - names from the model

    def start(self) -> None:
        """Create the chain's head (seq 0) unless it exists; inside a transaction it is then
        this transaction's, as ``audit_record`` would create it."""
        chain = self.row["chain"]
        with _not_flushing():
            created = _insert_head(chain)
        heads = _locked_heads.current(self.connection.alias)
        if created and heads is not None:
            heads[chain] = (0, "")

    def written(self, returned: tuple[Any, ...] | list[Any], filled: dict[Blank, Any]) -> AuditEvent:
        """The event the statement wrote (``returned``: the ``COLUMNS``); ``filled``: each
        blank's value as Python has it. The chain's tip for this transaction's next event
        is the one written. Sent as ``event_recorded`` (in autocommit, once written)."""

        def fill(value: Any) -> Any:
            if isinstance(value, Blank):
                return to_jsonable(filled[value])
            if isinstance(value, dict):
                return {key: fill(item) for key, item in value.items()}
            if isinstance(value, list):
                return [fill(item) for item in value]
            return value

        row = self.row
        pk, seq, prev_hash, digest = returned
        if pk is None:  # the statement did not require the head (``head_exists``)
            raise RuntimeError(f"no audit event written: chain {row['chain']} has no head")
        event = AuditEvent(
            id=pk, seq=seq, prev_hash=prev_hash, hash=digest, changes=fill(row["changes"]), data=fill(row["data"]),
            **{name: row[name] for name in (
                "chain", "occurred_at", "actor_id", "on_behalf_of_id", "action", "target_type", "target_id", "process_id",
            )},
        )  # fmt: skip
        event._state.adding, event._state.db = False, self.connection.alias
        heads = _locked_heads.current(self.connection.alias)
        if heads is not None:
            heads[row["chain"]] = (seq, digest)
        event_recorded.send(sender=AuditEvent, event=event)
        return event

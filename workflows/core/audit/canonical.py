"""An audit event's canonical content and hash: JSON-normalised values (Decimal -> "12.34",
dates -> ISO), so the hash is stable across databases, and ``diff`` for the changes column."""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

from django.db import models

from ..models import AuditEvent


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


class Blank:
    """A value of an event that only the database knows (its ``seq`` and ``prev_hash``, read
    under the chain head's lock; a balance or row id of the same statement), put in the row
    given to ``canonical_template``. The database fills in its JSON text, so it must be a
    value whose JSON the database writes exactly as ``json.dumps`` does: an integer, or a
    string of digits, letters, ``.`` and ``-`` (a hex digest, an amount with two decimals).
    Everything else, user text included, stays in the fragments built here."""

    def __init__(self, name: str) -> None:
        self.name = name
        # A placeholder no event holds: a fresh random id (the template checks it is unique).
        self.marker = f"blank-{uuid.uuid4().hex}"

    def __repr__(self) -> str:
        return f"Blank({self.name!r})"


def _with_markers(value: Any) -> Any:
    if isinstance(value, Blank):
        return value.marker
    if isinstance(value, dict):
        return {key: _with_markers(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_with_markers(item) for item in value]
    return value


def canonical_template(row: dict[str, Any]) -> list[str | Blank]:
    """``canonical_row(row)`` as text fragments around the ``Blank`` values in ``row`` (at
    any depth of ``changes`` and ``data``, or a column such as ``seq``), in the order they
    appear: ``[text, blank, text, blank, ..., text]``. Joining the fragments with each
    blank's JSON text (``fill_template``) gives exactly ``canonical_row`` of the row with
    the values in place, since the keys are sorted and a value's JSON does not depend on
    its neighbours (issue 19: the database computes the hash in the payment's statement)."""
    blanks: list[Blank] = []

    def collect(value: Any) -> None:
        if isinstance(value, Blank):
            blanks.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                collect(item)

    collect(row)
    text = canonical_row(_with_markers(row)).decode()
    by_token = {json.dumps(blank.marker): blank for blank in blanks}
    pieces: list[str | Blank] = [text]
    for token, blank in by_token.items():
        if text.count(token) != 1:
            raise ValueError(f"{blank!r} does not stand exactly once in the canonical text")
    while True:
        tail = pieces[-1]
        assert isinstance(tail, str)
        found = [(tail.find(token), token) for token in by_token if token in tail]
        if not found:
            return pieces
        at, token = min(found)
        pieces[-1:] = [tail[:at], by_token[token], tail[at + len(token) :]]


def fill_template(pieces: list[str | Blank], values: dict[str, str]) -> bytes:
    """The canonical bytes: ``pieces`` joined with ``values`` (a blank's name -> its JSON
    text), as the database joins them."""
    return "".join(values[piece.name] if isinstance(piece, Blank) else piece for piece in pieces).encode()


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

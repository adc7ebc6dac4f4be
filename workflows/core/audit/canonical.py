"""An audit event's canonical content and hash: JSON-normalised values (Decimal -> "12.34",
dates -> ISO), so the hash is stable across databases, and ``diff`` for the changes column."""

from __future__ import annotations

import datetime
import hashlib
import json
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

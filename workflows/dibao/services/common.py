"""Helpers every step of the dibao / 特困 case uses: today, money, the case's audit row."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from workflows.core.audit import audit_record
from workflows.core.models import AuditEvent
from workflows.core.types import Actor

from ..models import (
    DibaoProcess,
)

# 特困 basic support = the county's factor (``TekunSupportRule``, default 1.3) x the local
# dibao standard per person.


def _today() -> datetime.date:
    return timezone.localdate()


def _audit(
    process: DibaoProcess,
    action: str,
    actor: Actor = None,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return audit_record(action=action, target=process, actor=actor, process_id=process.pk, changes=changes, data=data)

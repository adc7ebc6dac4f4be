"""Anchoring chain heads, verifying the whole log, and logging auditors' own reads."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.audit import ChainBreak, VerificationReport, audit_record, verify_chains
from workflows.core.models import AuditChainHead

from .models import HistoryAnchor

ERR_ANCHOR_HASH = _("锚定记录的哈希与内容不符（锚定被修改）。")
ERR_ANCHOR_LINK = _("锚定记录的前一哈希不符（锚定被删除或插入）。")
ERR_ANCHOR_ROOT = _("锚定记录的链头摘要与所列链头不符。")


@transaction.atomic
def anchor_create(*, on: datetime.date | None = None) -> HistoryAnchor:
    """Record every chain head as of now, linked to the previous anchor.

    The heads are read by one SELECT, hence from one snapshot: a consistent
    cut across chains without blocking writers.
    """
    now = timezone.now()
    heads = [
        [chain, seq, hash_]
        for chain, seq, hash_ in AuditChainHead.objects.filter(seq__gt=0)
        .order_by("chain")
        .values_list("chain", "seq", "hash")
        .iterator(chunk_size=10000)
    ]
    previous = HistoryAnchor.objects.order_by("-pk").first()
    anchor = HistoryAnchor(
        day=on or timezone.localdate(now),
        created_at=now,
        chain_count=len(heads),
        event_count=sum(seq for _chain, seq, _hash in heads),
        heads=heads,
        root=HistoryAnchor.root_of(heads),
        prev_hash=previous.hash if previous else "",
    )
    anchor.hash = anchor.compute_hash()
    anchor.save()
    return anchor


def anchors_verify() -> list[str]:
    """Problems with the anchor chain itself (edited, removed or inserted anchors)."""
    problems = []
    prev = ""
    for anchor in HistoryAnchor.objects.order_by("pk").iterator():
        if anchor.prev_hash != prev:
            problems.append(f"anchor {anchor.pk} ({anchor.day}): {ERR_ANCHOR_LINK}")
        if HistoryAnchor.root_of(anchor.heads) != anchor.root:
            problems.append(f"anchor {anchor.pk} ({anchor.day}): {ERR_ANCHOR_ROOT}")
        if anchor.compute_hash() != anchor.hash:
            problems.append(f"anchor {anchor.pk} ({anchor.day}): {ERR_ANCHOR_HASH}")
        prev = anchor.hash
    return problems


@dataclass
class HistoryVerification:
    report: VerificationReport
    anchor: HistoryAnchor | None
    anchor_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.anchor_problems

    @property
    def breaks(self) -> list[ChainBreak]:
        return self.report.breaks


def history_verify(*, chains: list[str] | None = None) -> HistoryVerification:
    """Recompute ``chains`` (default: all) against their heads and the latest anchor."""
    anchor = HistoryAnchor.objects.order_by("-pk").first()
    report = verify_chains(chains, anchored=anchor.anchored() if anchor else None)
    problems = anchors_verify() if chains is None else []
    return HistoryVerification(report=report, anchor=anchor, anchor_problems=problems)


def viewer_record(*, viewer, process, action: str, data: dict | None = None) -> None:
    """Log an auditor's read or export of a case on the viewer's own chain."""
    audit_record(
        action=action,
        target=process,
        actor=viewer,
        chain=f"viewer:{viewer.pk}",
        data={"case": process.pk, "case_number": getattr(process, "case_number", None), **(data or {})},
    )

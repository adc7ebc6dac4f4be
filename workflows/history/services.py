"""Anchoring chain heads, verifying the whole log, and logging auditors' own reads."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core.audit import REASON_NO_CHAIN, ChainBreak, VerificationReport, audit_record, verify_chains
from workflows.core.models import AuditChainHead, AuditEvent
from workflows.core.types import Staff

from . import selectors
from .models import HistoryAnchor

ERR_ANCHOR_HASH = _("锚定记录的哈希与内容不符（锚定被修改）。")
ERR_ANCHOR_LINK = _("锚定记录的前一哈希不符（锚定被删除或插入）。")
ERR_ANCHOR_ROOT = _("锚定记录的链头摘要与所列链头不符。")


#: Anchored points checked per query when an anchor checks that grown chains still hold them.
_POINT_CHUNK = 500


def _points_lost(previous: HistoryAnchor | None, heads: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """The previous anchor's points that the current chains no longer hold.

    Chains only grow. A chain that is gone, shorter than it was anchored, or
    of the same length with another head, or grown but no longer holding the
    anchored event, has been cut (and maybe re-forged): its old point is
    carried into the new anchor, so the latest anchor always holds the last
    anchored length of every chain and ``verify_history`` keeps reporting it.
    """
    if previous is None:
        return {}
    lost: dict[str, tuple[int, str]] = {}
    grown: list[tuple[str, int, str]] = []
    for chain, seq, hash_ in previous.heads:
        now = heads.get(chain)
        if now is None or now[0] < seq or (now[0] == seq and now[1] != hash_):
            lost[chain] = (seq, hash_)
        elif now[0] > seq:
            grown.append((chain, seq, hash_))
    for start in range(0, len(grown), _POINT_CHUNK):
        chunk = grown[start : start + _POINT_CHUNK]
        where = Q()
        for chain, seq, _hash in chunk:
            where |= Q(chain=chain, seq=seq)
        held = {(c, q): h for c, q, h in AuditEvent.objects.filter(where).values_list("chain", "seq", "hash")}
        for chain, seq, hash_ in chunk:
            if held.get((chain, seq)) != hash_:
                lost[chain] = (seq, hash_)
    return lost


@transaction.atomic
def anchor_create(*, on: datetime.date | None = None) -> HistoryAnchor:
    """Record every chain head as of now, linked to the previous anchor.

    The heads are read by one SELECT, hence from one snapshot: a consistent
    cut across chains without blocking writers. Where a chain no longer holds
    what the previous anchor recorded (``_points_lost``), the previous point
    is kept instead of the current head.
    """
    now = timezone.now()
    current = {
        chain: (seq, hash_)
        for chain, seq, hash_ in AuditChainHead.objects.filter(seq__gt=0)
        .order_by("chain")
        .values_list("chain", "seq", "hash")
        .iterator(chunk_size=10000)
    }
    previous = HistoryAnchor.objects.order_by("-pk").first()
    current.update(_points_lost(previous, current))
    heads = [[chain, seq, hash_] for chain, (seq, hash_) in sorted(current.items())]
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


def _case_pks(chains: list[str] | None) -> list[int] | None:
    """Process pks of the ``case:<pk>`` chains among ``chains`` (None: every case)."""
    if chains is None:
        return None
    return [int(c.partition(":")[2]) for c in chains if c.startswith("case:") and c.partition(":")[2].isdigit()]


def history_verify(*, chains: list[str] | None = None) -> HistoryVerification:
    """Recompute ``chains`` (default: all) against their heads and the latest anchor,
    and report every case process (of ``chains``, default all) without any event."""
    anchor = HistoryAnchor.objects.order_by("-pk").first()
    report = verify_chains(chains, anchored=anchor.anchored() if anchor else None)
    # A case created after the last anchor and then deleted from the log with its
    # head leaves nothing for the chains to report: the process row still exists.
    reported = {brk.chain for brk in report.breaks}
    for pk in selectors.processes_without_chain(case_pks=_case_pks(chains)):
        if f"case:{pk}" not in reported:
            report.breaks.append(ChainBreak(f"case:{pk}", 1, REASON_NO_CHAIN))
    report.breaks.sort(key=lambda b: (b.chain, b.seq))
    problems = anchors_verify() if chains is None else []
    return HistoryVerification(report=report, anchor=anchor, anchor_problems=problems)


def viewer_record(*, viewer: Staff, process: Process, action: str, data: dict | None = None) -> None:
    """Log an auditor's read or export of a case on the viewer's own chain."""
    audit_record(
        action=action,
        target=process,
        actor=viewer,
        chain=f"viewer:{viewer.pk}",
        data={"case": process.pk, "case_number": getattr(process, "case_number", None), **(data or {})},
    )

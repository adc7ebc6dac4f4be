"""Verifying the audit chains: one chain (``verify_chain``) or many in one ordered scan
(``verify_chains``), with the reasons a chain is broken."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.utils.translation import gettext_lazy as _

from ..models import AuditChainHead, AuditEvent
from .canonical import CONTENT_FIELDS, compute_hash, compute_row_hash

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

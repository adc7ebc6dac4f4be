"""Daily anchors over every audit chain head (issue 8).

A chain proves that no event *inside* it was changed or removed, but someone
with write access could delete the last events of a chain and rewind its head,
or delete a whole case with its chain. The daily anchor records every chain's
(seq, hash) at that moment, hashes the sorted list into ``root`` and links to
the previous anchor, so ``verify_history`` can tell that something recorded
before the anchor is gone. Publish ``hash`` outside the database (see
docs/history.md) to make rewriting the anchors themselves detectable too.
"""

from __future__ import annotations

import hashlib
import json

from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.core.audit import to_jsonable


class HistoryAnchor(models.Model):
    day = models.DateField(_("锚定日期"))
    created_at = models.DateTimeField(_("生成时间"))
    chain_count = models.PositiveIntegerField(_("链数"))
    event_count = models.PositiveBigIntegerField(_("事件数"))
    heads = models.JSONField(_("各链头（链, 序号, 哈希）"), default=list)
    root = models.CharField(_("链头摘要"), max_length=64)
    prev_hash = models.CharField(_("前一锚定哈希"), max_length=64, blank=True)
    hash = models.CharField(_("锚定哈希"), max_length=64)

    class Meta:
        verbose_name = _("审计锚定")
        verbose_name_plural = _("审计锚定")
        ordering = ["-pk"]
        get_latest_by = "pk"

    def __str__(self):
        return f"{self.day} {self.hash[:12]}"

    @staticmethod
    def root_of(heads: list[list]) -> str:
        """sha256 over the sorted (chain, seq, hash) list, one line per chain."""
        digest = hashlib.sha256()
        for chain, seq, hash_ in sorted(heads):
            digest.update(f"{chain}\t{seq}\t{hash_}\n".encode())
        return digest.hexdigest()

    def compute_hash(self) -> str:
        body = {
            "day": self.day.isoformat(),
            "created_at": to_jsonable(self.created_at),
            "chain_count": self.chain_count,
            "event_count": self.event_count,
            "root": self.root,
            "prev_hash": self.prev_hash,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    def anchored(self) -> dict[str, tuple[int, str]]:
        return {chain: (seq, hash_) for chain, seq, hash_ in self.heads}

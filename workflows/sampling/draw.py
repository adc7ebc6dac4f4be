"""The sampling draw as a pure function (domain.md §7; TK 16, MSL 20).

Input: the pool, the ratio and a seed. Output: the selected record ids, each
with the reason it was selected. No database, no clock: the same input gives
the same output on any machine, so an auditor can re-run a stored draw.

Algorithm ``ALGORITHM`` (change the version string if any step changes):

1. Sort the pool by record id. Entries are ``PoolEntry(record_id,
   township_id, forced, carried)``. ``forced`` is ``"staff_relative"`` or
   ``"complaint"`` (or ``None``); ``carried`` marks a record approved in an
   earlier, already drawn period that is in this pool only because of a new
   complaint: it is always forced and never counts towards the ratio.
2. ``rng = random.Random(seed)`` (Mersenne Twister, seeded with the 128-bit
   integer).
3. Random part: ``k = ceil(ratio × n)`` where ``n`` is the number of
   non-carried entries, computed in ``Decimal`` (0.3 × 10 is exactly 3), and
   ``rng.sample(ids, k)`` over the non-carried ids in ascending order.
   Reason ``random``.
4. Forced part, **on top of** the ratio ("plus 100%", domain.md §7): every
   forced entry not already drawn, with its own reason.
5. Township minimum, also on top: for each township (ascending id) with at
   least one non-carried entry and no drawn case yet, ``rng.choice`` over its
   ids (ascending), reason ``township_minimum``.

So ``drawn = k + forced-not-randomly-drawn + township minimums`` and the
random part alone already meets the ratio.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from decimal import ROUND_CEILING, Decimal
from operator import itemgetter
from typing import NamedTuple

ALGORITHM = "cy-draw/1 python-random-mt19937 sample+forced+township-min"

RANDOM = "random"
STAFF_RELATIVE = "staff_relative"
COMPLAINT = "complaint"
TOWNSHIP_MINIMUM = "township_minimum"
FORCED_REASONS = frozenset({STAFF_RELATIVE, COMPLAINT})


class PoolEntry(NamedTuple):
    record_id: int
    township_id: int
    forced: str | None = None
    carried: bool = False


class Selected(NamedTuple):
    record_id: int
    reason: str


def random_part_size(ratio: Decimal, n: int) -> int:
    """``ceil(ratio × n)`` exactly (Decimal arithmetic, no float rounding)."""
    if n <= 0:
        return 0
    k = int((Decimal(ratio) * n).to_integral_value(rounding=ROUND_CEILING))
    return min(max(k, 0), n)


def normalise_pool(pool: Iterable) -> list[PoolEntry]:
    entries = [e if type(e) is PoolEntry else PoolEntry(*e) for e in pool]
    entries.sort(key=itemgetter(0))
    if len({e.record_id for e in entries}) != len(entries):
        raise ValueError("a record is more than once in the pool")
    for e in entries:
        if e.forced is not None and (e.forced not in FORCED_REASONS):
            raise ValueError(f"unknown forced reason {e.forced!r}")
        if e.carried and e.forced is None:
            raise ValueError(f"carried record {e.record_id} must be forced")
    return entries


def draw(pool: Iterable, ratio: Decimal, seed: int) -> list[Selected]:
    """Select from ``pool``; returns ``Selected`` sorted by record id."""
    entries = normalise_pool(pool)
    rng = random.Random(int(seed))
    eligible = [e for e in entries if not e.carried]
    k = random_part_size(ratio, len(eligible))
    chosen: dict[int, str] = dict.fromkeys(rng.sample([e.record_id for e in eligible], k), RANDOM)

    for e in entries:
        if e.forced is not None and e.record_id not in chosen:
            chosen[e.record_id] = e.forced

    by_township: dict[int, list[int]] = {}
    for e in eligible:
        by_township.setdefault(e.township_id, []).append(e.record_id)
    township_of = {e.record_id: e.township_id for e in entries}
    covered = {township_of[rid] for rid in chosen}
    for township_id in sorted(by_township):
        if township_id not in covered:
            chosen[rng.choice(by_township[township_id])] = TOWNSHIP_MINIMUM

    return [Selected(rid, chosen[rid]) for rid in sorted(chosen)]


def composition(pool: Iterable, ratio: Decimal, selection: list[Selected]) -> dict:
    """What a draw consists of, per township and per reason (stored with the draw)."""
    entries = normalise_pool(pool)
    township_of = {e.record_id: e.township_id for e in entries}
    per_township: dict[str, dict[str, int]] = {}
    for e in entries:
        row = per_township.setdefault(str(e.township_id), {"pool": 0, "drawn": 0})
        row["pool"] += 0 if e.carried else 1
    by_reason: dict[str, int] = {}
    for s in selection:
        per_township[str(township_of[s.record_id])]["drawn"] += 1
        by_reason[s.reason] = by_reason.get(s.reason, 0) + 1
    eligible = sum(1 for e in entries if not e.carried)
    return {
        "pool_size": eligible,
        "carried": len(entries) - eligible,
        "ratio": str(ratio),
        "random_count": random_part_size(ratio, eligible),
        "drawn": len(selection),
        "by_reason": by_reason,
        "per_township": per_township,
        "forced": [{"record_id": s.record_id, "reason": s.reason} for s in selection if s.reason != RANDOM],
    }

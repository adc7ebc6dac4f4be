"""The sampling draw's stored composition (domain.md §7; TK 16, MSL 20): behaviour mutation
testing found no test for (issue 15 item 10)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from workflows.sampling.draw import PoolEntry, Selected, composition, draw, random_part_size

POOL = [
    PoolEntry(1, 10),
    PoolEntry(2, 10),
    PoolEntry(3, 10),
    PoolEntry(4, 20),
    PoolEntry(5, 20, "complaint", carried=True),
    PoolEntry(6, 30, "staff_relative"),
]
SELECTION = [
    Selected(1, "random"),
    Selected(2, "random"),
    Selected(4, "township_minimum"),
    Selected(5, "complaint"),
    Selected(6, "staff_relative"),
]


def test_the_composition_counts_the_pool_without_carried_cases_and_every_draw():
    """domain.md §7: what a stored draw consists of, checkable by a county reviewer: the
    pool the ratio applies to leaves out a case carried in from an earlier period by a new
    complaint (counted apart); the random part is ceil(ratio × pool); per township its pool
    and every case drawn there (two in township 10); per reason the count; every case not
    drawn at random is listed with its reason."""
    assert composition(POOL, Decimal("0.3"), SELECTION) == {
        "pool_size": 5,
        "carried": 1,
        "ratio": "0.3",
        "random_count": 2,
        "drawn": 5,
        "by_reason": {"random": 2, "township_minimum": 1, "complaint": 1, "staff_relative": 1},
        "per_township": {"10": {"pool": 3, "drawn": 2}, "20": {"pool": 1, "drawn": 2}, "30": {"pool": 1, "drawn": 1}},
        "forced": [
            {"record_id": 4, "reason": "township_minimum"},
            {"record_id": 5, "reason": "complaint"},
            {"record_id": 6, "reason": "staff_relative"},
        ],
    }


def test_a_township_with_nothing_drawn_shows_zero_drawn():
    """The negative: a township whose cases were all left out shows its pool and 0 drawn."""
    assert composition(POOL[:4], Decimal("0.3"), [Selected(4, "random")])["per_township"] == {
        "10": {"pool": 3, "drawn": 0},
        "20": {"pool": 1, "drawn": 1},
    }


def test_the_random_part_of_a_pool_of_one_is_that_case_and_a_zero_ratio_draws_none_at_random():
    """domain.md §7: the random part is ceil(ratio × n) exactly, so a township pool of one
    case under any positive ratio draws that case (ceil(0.3) = 1); the negatives: a ratio of
    0 draws nothing at random, and an empty pool draws nothing."""
    assert random_part_size(Decimal("0.3"), 1) == 1
    assert random_part_size(Decimal("0"), 5) == 0
    assert random_part_size(Decimal("0.3"), 0) == 0


def test_the_random_part_is_drawn_over_the_record_ids_in_ascending_order():
    """The published algorithm (step 3), so that an auditor can re-run a stored draw: the
    random part is ``random.Random(seed).sample`` over the non-carried record ids in
    ascending order, whatever order the pool was given in and whichever township each
    record belongs to."""
    pool = [PoolEntry(record_id, 20 if record_id % 2 else 10) for record_id in range(1, 21)]
    expected = set(random.Random(7).sample(list(range(1, 21)), 6))
    for given in (pool, pool[::-1]):
        drawn = {s.record_id for s in draw(given, Decimal("0.3"), 7) if s.reason == "random"}
        assert drawn == expected


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        ([PoolEntry(1, 10), PoolEntry(1, 20)], "a record is more than once in the pool"),
        ([PoolEntry(1, 10, "friend")], "unknown forced reason 'friend'"),
        ([PoolEntry(1, 10, None, carried=True)], "carried record 1 must be forced"),
    ],
)
def test_a_malformed_pool_is_refused_saying_what_is_wrong(pool, message):
    """A pool with a record twice, an unknown forced reason or a carried record that is not
    forced is refused with a message naming the problem (the draw is never stored)."""
    with pytest.raises(ValueError) as exc:
        draw(pool, Decimal("0.3"), 1)
    assert str(exc.value) == message

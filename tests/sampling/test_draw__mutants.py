"""The sampling draw's stored composition (domain.md §7; TK 16, MSL 20): behaviour mutation
testing found no test for (issue 15 item 10)."""

from __future__ import annotations

from decimal import Decimal

from workflows.sampling.draw import PoolEntry, Selected, composition

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

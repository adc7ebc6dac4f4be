"""The pure draw (domain.md §7; TK 16, MSL 20): size, forced-in, township minimum, reproducibility."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.sampling.draw import (
    COMPLAINT,
    RANDOM,
    STAFF_RELATIVE,
    TOWNSHIP_MINIMUM,
    PoolEntry,
    draw,
    random_part_size,
)

ratios = st.decimals(min_value=Decimal("0.300"), max_value=Decimal("1.000"), places=3)
seeds = st.integers(min_value=0, max_value=2**128 - 1)


@st.composite
def pools(draw_, max_size=60):
    n = draw_(st.integers(min_value=0, max_value=max_size))
    ids = draw_(st.lists(st.integers(min_value=1, max_value=10**6), min_size=n, max_size=n, unique=True))
    entries = []
    for rid in ids:
        township = draw_(st.integers(min_value=1, max_value=8))
        forced = draw_(st.sampled_from([None, None, None, None, STAFF_RELATIVE, COMPLAINT]))
        carried = forced == COMPLAINT and draw_(st.booleans())
        entries.append(PoolEntry(rid, township, forced, carried))
    return draw_(st.permutations(entries))


def test_ratio_ceiling_is_exact():
    """TK 16 / MSL 20: at least 30%, rounded up, in exact decimal arithmetic (0.3 × 10 is 3, not 4)."""
    assert random_part_size(Decimal("0.300"), 10) == 3
    assert random_part_size(Decimal("0.300"), 11) == 4
    assert random_part_size(Decimal("0.300"), 1) == 1
    assert random_part_size(Decimal("0.300"), 0) == 0
    assert random_part_size(Decimal("0.350"), 20) == 7
    assert random_part_size(Decimal("1.000"), 9) == 9


def test_forced_and_minimum_are_on_top_of_the_ratio():
    """domain.md §7 "plus 100%": the staff-relative case is drawn in addition to ceil(30% × n)
    random cases, and a township the random part missed gets one case."""
    pool = [PoolEntry(i, 1) for i in range(1, 11)] + [PoolEntry(11, 2, STAFF_RELATIVE), PoolEntry(12, 3)]
    result = dict(draw(pool, Decimal("0.3"), seed=7))
    assert sum(1 for r in result.values() if r == RANDOM) == 4  # ceil(0.3 × 12)
    assert 11 in result and 12 in result
    assert result[12] in {RANDOM, TOWNSHIP_MINIMUM}


def test_duplicate_record_refused():
    """A record can be in the pool only once."""
    with pytest.raises(ValueError):
        draw([PoolEntry(1, 1), PoolEntry(1, 2)], Decimal("0.3"), seed=1)


@settings(max_examples=200, deadline=None)
@given(pool=pools(), ratio=ratios, seed=seeds)
def test_draw_properties(pool, ratio, seed):
    """TK 16, MSL 20 over random pools: random part = ceil(ratio × n) (n = this period's approvals),
    every forced case is drawn, every township with an approval is represented, the draw is a
    subset of the pool without duplicates, and the same seed gives the same draw whatever the
    order the pool is given in."""
    selection = draw(pool, ratio, seed)
    ids = [s.record_id for s in selection]
    assert len(ids) == len(set(ids))
    assert set(ids) <= {e.record_id for e in pool}
    eligible = [e for e in pool if not e.carried]
    assert sum(1 for s in selection if s.reason == RANDOM) == random_part_size(ratio, len(eligible))
    reasons = dict(selection)
    for e in pool:
        if e.forced:
            assert e.record_id in reasons
            assert reasons[e.record_id] in {RANDOM, e.forced}
    townships = {e.township_id for e in eligible}
    drawn_townships = {e.township_id for e in pool if e.record_id in reasons}
    assert townships <= drawn_townships
    minimum = [s.record_id for s in selection if s.reason == TOWNSHIP_MINIMUM]
    assert len(minimum) == len({e.township_id for e in pool if e.record_id in minimum})
    assert draw(list(reversed(pool)), ratio, seed) == selection


@settings(max_examples=50, deadline=None)
@given(pool=pools(max_size=200), ratio=ratios, seed=seeds)
def test_draw_size_bounds(pool, ratio, seed):
    """The draw is never smaller than the ratio requires, and never larger than
    random part + forced + one per township."""
    selection = draw(pool, ratio, seed)
    eligible = [e for e in pool if not e.carried]
    k = random_part_size(ratio, len(eligible))
    forced = sum(1 for e in pool if e.forced)
    townships = len({e.township_id for e in eligible})
    assert k <= len(selection) <= k + forced + townships

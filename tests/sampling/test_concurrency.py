"""Concurrent runs of the beat task (PostgreSQL): one draw per county and period."""

import threading

import pytest
from django.db import connection

from tests.conftest import requires_postgres
from tests.sampling.conftest import AFTER_JULY, JULY
from workflows.sampling import services
from workflows.sampling.models import ApprovalRecord, DrawnCase, SamplingDraw


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_draws_of_one_period_store_one_draw(region, approvals, monkeypatch):
    """Two workers drawing the same period at once (both past the "already drawn?" check) end
    with one stored draw: the loser hits the unique (county, period_start) constraint and gets
    the winner's draw; the pool is marked once."""
    barrier = threading.Barrier(2)
    original = services._pool_for

    def pool_then_wait(*args, **kwargs):
        result = original(*args, **kwargs)
        barrier.wait(timeout=10)
        return result

    monkeypatch.setattr(services, "_pool_for", pool_then_wait)
    results, errors = [], []

    def run(seed):
        try:
            draw = services.draw_run(
                county=region.county, period_start=JULY[0], period_end=JULY[1], seed=seed, today=AFTER_JULY,
                start_reviews=False,
            )  # fmt: skip
            results.append(draw.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(set(results)) == 1 and SamplingDraw.objects.count() == 1
    draw = SamplingDraw.objects.get()
    assert DrawnCase.objects.filter(draw=draw).count() == draw.drawn_count
    assert ApprovalRecord.objects.filter(pooled_in=draw).count() == 10
    assert services.verify_draw(draw)[0]

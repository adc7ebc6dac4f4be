"""Sampling periods and the reproducible draw (TK 16, MSL 20)."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from workflows.core.audit import audit_record
from workflows.core.models import County, SamplingRule
from workflows.core.queueing import enqueue_on_commit
from workflows.core.types import Actor

# Test seams are looked up through the package, so that patching
# ``workflows.sampling.services.<name>`` reaches every caller.
from workflows.sampling import services

from .. import draw as draw_algo
from ..models import (
    ApprovalRecord,
    Complaint,
    DrawnCase,
    SamplingDraw,
)
from .common import _add_months, _first_of_month
from .errors import ERR_PERIOD_NOT_ENDED

# --- periods and draws -------------------------------------------------------


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The sampling period (monthly or quarterly) containing ``day``."""
    if period == SamplingRule.SamplingPeriod.QUARTERLY:
        start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return start, _add_months(start, 3) - datetime.timedelta(days=1)
    start = _first_of_month(day)
    return start, _add_months(start, 1) - datetime.timedelta(days=1)


def _pool_for(county_id: int, period_end: datetime.date) -> tuple[list[draw_algo.PoolEntry], dict[int, list[int]]]:
    """The pool: unpooled approvals up to ``period_end`` plus complained-about cases drawn before.

    Returns the entries and {record_id: [complaint ids]} of the complaints that force them.
    """
    records = {
        r["pk"]: r
        for r in ApprovalRecord.objects.filter(
            county_id=county_id, pooled_in__isnull=True, approved_on__lte=period_end
        ).values("pk", "township_id", "staff_relative", "process_id")
    }
    complaints: dict[int, list[int]] = {}
    open_complaints = Complaint.objects.filter(drawn_in__isnull=True, received_on__lte=period_end)
    complained = ApprovalRecord.objects.filter(
        county_id=county_id, approved_on__lte=period_end, process_id__in=open_complaints.values("process_id")
    ).values("pk", "township_id", "process_id", "pooled_in_id")
    by_process = {}
    for c in complained:
        by_process[c["process_id"]] = c
    for complaint_id, process_id in open_complaints.filter(process_id__in=list(by_process)).values_list(
        "pk", "process_id"
    ):
        complaints.setdefault(by_process[process_id]["pk"], []).append(complaint_id)

    entries = []
    for pk, r in records.items():
        forced = None
        if pk in complaints:
            forced = draw_algo.COMPLAINT
        elif r["staff_relative"]:
            forced = draw_algo.STAFF_RELATIVE
        entries.append(draw_algo.PoolEntry(pk, r["township_id"], forced, False))
    for c in by_process.values():
        if c["pk"] not in records:
            entries.append(draw_algo.PoolEntry(c["pk"], c["township_id"], draw_algo.COMPLAINT, True))
    entries.sort(key=lambda e: e.record_id)
    return entries, complaints


def _insert_drawn(draw: SamplingDraw, selection: list[draw_algo.Selected]) -> None:
    """Store the drawn cases: one ``INSERT … SELECT unnest(…)`` on PostgreSQL, ``bulk_create`` elsewhere."""
    if connection.vendor == "postgresql" and selection:
        table = DrawnCase._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (draw_id, record_id, reason) "  # noqa: S608 - table name from the model
                "SELECT %s, t.record_id, t.reason FROM unnest(%s::bigint[], %s::varchar[]) AS t(record_id, reason)",
                [draw.pk, [s.record_id for s in selection], [s.reason for s in selection]],
            )
        return
    DrawnCase.objects.bulk_create(
        (DrawnCase(draw=draw, record_id=s.record_id, reason=s.reason) for s in selection), batch_size=2000
    )


class _PoolChanged(Exception):
    pass


def _mark_pooled(draw: SamplingDraw, county_id: int, period_end: datetime.date, ids: list[int]) -> None:
    """Mark the snapshot's records as pooled by ``draw``.

    One range UPDATE over the pool's own filter; if a record committed since
    the snapshot would be caught too (count differs), fall back to updating
    exactly the snapshot's ids in chunks.
    """
    if not ids:
        return
    qs = ApprovalRecord.objects.filter(
        county_id=county_id, pooled_in__isnull=True, approved_on__lte=period_end, pk__lte=max(ids)
    )
    try:
        with transaction.atomic():
            if qs.update(pooled_in=draw) != len(ids):
                raise _PoolChanged
    except _PoolChanged:
        for i in range(0, len(ids), 5000):
            ApprovalRecord.objects.filter(pk__in=ids[i : i + 5000]).update(pooled_in=draw)


@transaction.atomic
def draw_run(
    *,
    county: County,
    period_start: datetime.date,
    period_end: datetime.date,
    seed: int | None = None,
    actor: Actor = None,
    today: datetime.date | None = None,
    start_reviews: bool = True,
) -> SamplingDraw:
    """Draw the sampling cases of a county for an ended period (domain.md §7).

    Idempotent: a period already drawn returns the stored draw. The seed
    (128 random bits unless given), the ratio and the pool snapshot are
    stored, so ``verify_draw`` can reproduce the selection. Review cases are
    started after commit by ``tasks.start_reviews``.
    """
    today = today or timezone.localdate()
    if period_end >= today:
        raise ValidationError(ERR_PERIOD_NOT_ENDED)
    existing = SamplingDraw.objects.filter(county=county, period_start=period_start).first()
    if existing is not None:
        return existing
    rule = SamplingRule.objects.in_force(county=county, on=period_end)
    seed = secrets.randbits(128) if seed is None else int(seed)
    entries, complaints = services._pool_for(county.pk, period_end)
    selection = draw_algo.draw(entries, rule.ratio, seed)
    comp = draw_algo.composition(entries, rule.ratio, selection)
    draw = SamplingDraw(
        county=county,
        period_start=period_start,
        period_end=period_end,
        rule=rule,
        ratio=rule.ratio,
        seed=str(seed),
        pool_size=comp["pool_size"],
        drawn_count=len(selection),
        pool=[list(e) for e in entries],
        composition=comp,
        algorithm=draw_algo.ALGORITHM,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            draw.save()
    except IntegrityError:  # a concurrent run drew this period first
        return SamplingDraw.objects.get(county=county, period_start=period_start)
    _insert_drawn(draw, selection)
    _mark_pooled(draw, county.pk, period_end, [e.record_id for e in entries if not e.carried])
    drawn = dict(DrawnCase.objects.filter(draw=draw).values_list("record_id", "pk"))
    for record_id, complaint_ids in complaints.items():
        if record_id in drawn:
            Complaint.objects.filter(pk__in=complaint_ids).update(drawn_in_id=drawn[record_id])
    audit_record(
        action="sampling.draw",
        target=draw,
        actor=actor,
        data={
            "county": county.code,
            "period": [period_start, period_end],
            "seed": draw.seed,
            "ratio": rule.ratio,
            "rule": rule.pk,
            "pool_size": draw.pool_size,
            "drawn": draw.drawn_count,
            "by_reason": comp["by_reason"],
            "algorithm": draw.algorithm,
        },
    )
    if start_reviews:
        from ..tasks import start_reviews as start_reviews_task

        enqueue_on_commit(start_reviews_task, draw.pk)
    return draw


def verify_draw(draw: SamplingDraw) -> tuple[bool, list[int], list[int]]:
    """Re-run a stored draw from its seed, ratio and pool snapshot.

    Returns (matches, missing, unexpected): record ids the recomputation
    selects that the stored draw lacks, and stored ids it does not select
    (reasons compared too: a differing reason counts as both).
    """
    expected = {(s.record_id, s.reason) for s in draw_algo.draw(draw.pool, Decimal(draw.ratio), int(draw.seed))}
    stored = set(DrawnCase.objects.filter(draw=draw).values_list("record_id", "reason"))
    missing = sorted(rid for rid, _r in expected - stored)
    unexpected = sorted(rid for rid, _r in stored - expected)
    return (not missing and not unexpected), missing, unexpected


def due_periods(county: County, today: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """Ended periods of ``county`` without a draw, oldest first.

    From the period after the latest draw (or, before any draw, the period
    of the oldest unpooled approval) up to the last period that has ended.
    """
    last = SamplingDraw.objects.filter(county=county).order_by("-period_end").first()
    if last is not None:
        day = last.period_end + datetime.timedelta(days=1)
    else:
        oldest = (
            ApprovalRecord.objects.filter(county=county, pooled_in__isnull=True)
            .order_by("approved_on")
            .values_list("approved_on", flat=True)
            .first()
        )
        if oldest is None:
            return []
        day = oldest
    periods: list[tuple[datetime.date, datetime.date]] = []
    rule: SamplingRule | None  # the fallback below may find none
    while True:
        try:
            rule = SamplingRule.objects.in_force(county=county, on=day)
        except LookupError:
            rule = SamplingRule.objects.filter(county=county).order_by("effective_from").first()
            if rule is None:
                return periods
        start, end = period_bounds(rule.period, day)
        if end >= today:
            return periods
        periods.append((start, end))
        day = end + datetime.timedelta(days=1)


def run_due_draws(*, today: datetime.date | None = None) -> list[int]:
    """Draw every ended, undrawn period of every county (beat task body). Returns draw pks."""
    today = today or timezone.localdate()
    pks = []
    county_ids = SamplingRule.objects.values_list("county_id", flat=True).distinct()
    for county in County.objects.filter(pk__in=county_ids).order_by("code"):
        for start, end in due_periods(county, today):
            pks.append(draw_run(county=county, period_start=start, period_end=end, today=today).pk)
    return pks

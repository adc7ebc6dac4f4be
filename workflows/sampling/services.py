"""County sampling review: business rules (domain.md §7; TK 16, MSL 20, SAI 66/68).

Contract for the programme flows (dibao, 特困, temporary assistance):

- ``approval_register(...)`` when a township approval is final;
- ``complaint_register(...)`` when a complaint about a case is received;
- listen to ``signals.benefit_revoked`` to stop the programme's benefit.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.audit import audit_record, diff
from workflows.core.models import County, SamplingRule, Township, Village
from workflows.core.queueing import enqueue_on_commit
from workflows.core.scope import regions_where
from workflows.core.working_days import Calendar

from . import draw as draw_algo
from . import signals
from .models import (
    ApprovalActor,
    ApprovalRecord,
    Complaint,
    Correction,
    DrawnCase,
    Finding,
    Programme,
    Recovery,
    SamplingDraw,
    SamplingReviewProcess,
)

ERR_PROGRAMME = _("未知的救助项目：%(programme)s。")
ERR_NEGATIVE_AMOUNT = _("金额不能为负数。")
ERR_REGION_MISMATCH = _("村（社区）、乡镇与县（区）不一致。")
ERR_REVIEWER_ACTED = _("您参与过该案件的调查或审批，不能抽查复核该案件。")
ERR_FINDING = _("请选择抽查结论。")
ERR_INSTRUCTIONS_REQUIRED = _("责令纠正时必须写明整改要求。")
ERR_REASON_REQUIRED = _("撤销时必须写明理由。")
ERR_ALREADY_REVOKED = _("该审批已被撤销。")
ERR_PERIOD_NOT_ENDED = _("抽查期间尚未结束，不能抽取。")
ERR_NO_OPEN_CORRECTION = _("没有待完成的整改。")
ERR_REPORT_REQUIRED = _("请填写整改情况。")
ERR_NOT_COUNTY_REVIEWER = _("只有本县抽查复核人员可以作出抽查结论。")
ERR_NOT_TOWNSHIP_CASE_WORKER = _("只有本乡镇经办人可以报告整改情况。")
ERR_NOT_COUNTY_OFFICER = _("只有本县民政局经办人可以登记追回结果。")
ERR_RECOVERY_SETTLED = _("该追回记录已办结。")

CENT = Decimal("0.01")
DEFAULT_CORRECTION_WORKING_DAYS = 10


def _pk(value) -> int:
    return value if isinstance(value, int) else value.pk


def _money(value) -> Decimal | None:
    if value is None:
        return None
    amount = Decimal(value).quantize(CENT)
    if amount < 0:
        raise ValidationError(ERR_NEGATIVE_AMOUNT)
    return amount


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + (day.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def correction_working_days() -> int:
    """Working days a township has to carry out a correction (setting ``SAMPLING_CORRECTION_WORKING_DAYS``)."""
    return int(getattr(settings, "SAMPLING_CORRECTION_WORKING_DAYS", DEFAULT_CORRECTION_WORKING_DAYS))


# --- the pool (called by the programme flows) -------------------------------


@transaction.atomic
def approval_register(
    *,
    process_id: int,
    programme: str,
    county,
    township,
    village,
    case_number: str,
    approved_on: datetime.date,
    approved_by_id: int,
    actor_ids: Iterable[int],
    monthly_amount: Decimal | None,
    payment_starts: datetime.date | None,
    one_off_amount: Decimal | None,
    staff_relative: bool,
    rule_versions: dict[str, int],
    finance_check_id: int | None,
    actor=None,
) -> ApprovalRecord:
    """Put a final township approval into the county's sampling pool (TK 16, MSL 20).

    Idempotent on ``process_id``: a second call returns the stored record
    unchanged. ``actor_ids`` (plus the approver, plus whoever the engine
    recorded as acting on the case) may never review it.
    """
    existing = ApprovalRecord.objects.filter(process_id=process_id).first()
    if existing is not None:
        return existing
    if programme not in Programme.values:
        raise ValidationError(ERR_PROGRAMME % {"programme": programme})
    village = village if isinstance(village, Village) else Village.objects.select_related("township").get(pk=village)
    if village.township_id != _pk(township) or village.township.county_id != _pk(county):
        raise ValidationError(ERR_REGION_MISMATCH)
    from workflows.core.separation import actors_of

    excluded = {int(u) for u in actor_ids} | {int(approved_by_id)}
    excluded |= actors_of([process_id], ["*"]).get(process_id, set())
    record = ApprovalRecord(
        process_id=process_id,
        programme=programme,
        county_id=_pk(county),
        township_id=_pk(township),
        village_id=village.pk,
        case_number=case_number,
        approved_on=approved_on,
        approved_by_id=approved_by_id,
        monthly_amount=_money(monthly_amount),
        payment_starts=_first_of_month(payment_starts) if payment_starts else None,
        one_off_amount=_money(one_off_amount),
        staff_relative=bool(staff_relative),
        rule_versions={str(k): int(v) for k, v in (rule_versions or {}).items()},
        finance_check_id=finance_check_id,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # a concurrent registration of the same case won
        return ApprovalRecord.objects.get(process_id=process_id)
    ApprovalActor.objects.bulk_create([ApprovalActor(record=record, user_id=u) for u in sorted(excluded)])
    audit_record(
        action="sampling.approval_register",
        target=record,
        actor=actor,
        process_id=process_id,
        data={
            "programme": programme,
            "case_number": case_number,
            "approved_on": approved_on,
            "monthly_amount": record.monthly_amount,
            "one_off_amount": record.one_off_amount,
            "payment_starts": record.payment_starts,
            "staff_relative": record.staff_relative,
            "rule_versions": record.rule_versions,
            "finance_check_id": finance_check_id,
            "excluded_reviewers": sorted(excluded),
        },
    )
    return record


@transaction.atomic
def approval_actor_add(*, process_id: int, user_id: int, actor=None) -> bool:
    """Record one more person who acted on a registered approval after it was registered
    (e.g. who completed assist-first paperwork): they may never review it (domain.md §1).

    Idempotent; returns False when the case is not in the pool or the person is already excluded.
    """
    record = ApprovalRecord.objects.filter(process_id=process_id).first()
    if record is None:
        return False
    _, created = ApprovalActor.objects.get_or_create(record=record, user_id=user_id)
    if created:
        audit_record(
            action="sampling.approval_actor_add",
            target=record,
            actor=actor,
            process_id=process_id,
            data={"excluded_reviewer": user_id},
        )
    return created


@transaction.atomic
def approval_one_off_update(*, process_id: int, one_off_amount, actor=None) -> ApprovalRecord | None:
    """Keep a one-off approval's amount equal to what was actually paid (staged payments,
    reversals), so a revocation recovers exactly the money paid (SAI 68). No-op when the
    case is not in the pool or the amount is unchanged."""
    record = ApprovalRecord.objects.select_for_update().filter(process_id=process_id).first()
    amount = _money(one_off_amount)
    if record is None or record.one_off_amount == amount:
        return record
    old = record.one_off_amount
    record.one_off_amount = amount
    record.save(update_fields=["one_off_amount"])
    audit_record(
        action="sampling.approval_amount",
        target=record,
        actor=actor,
        process_id=process_id,
        changes={"one_off_amount": [old, amount]},
    )
    return record


@transaction.atomic
def complaint_register(*, process_id: int, received_on: datetime.date, summary: str, actor) -> Complaint:
    """Register a complaint about a case; the case is forced into the county's next draw (TK 16)."""
    complaint = Complaint.objects.create(
        process_id=process_id,
        received_on=received_on,
        summary=summary,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="sampling.complaint_register",
        target=complaint,
        actor=actor,
        process_id=process_id,
        data={"received_on": received_on},
    )
    return complaint


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
    for r in complained:
        by_process[r["process_id"]] = r
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
    for r in by_process.values():
        if r["pk"] not in records:
            entries.append(draw_algo.PoolEntry(r["pk"], r["township_id"], draw_algo.COMPLAINT, True))
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
    actor=None,
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
    entries, complaints = _pool_for(county.pk, period_end)
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
        from .tasks import start_reviews as start_reviews_task

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
    periods = []
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


# --- the review case -----------------------------------------------------------


@transaction.atomic
def review_open(*, process: SamplingReviewProcess, drawn_case: DrawnCase) -> SamplingReviewProcess:
    """Fill a new review case (inside the StartHandle activation) from the drawn approval."""
    record = drawn_case.record
    process.drawn_case = drawn_case
    process.county_id = record.county_id
    process.township_id = record.township_id
    process.village_id = record.village_id
    process.save()
    process.assign_case_number()
    process.save(update_fields=["case_number"])
    audit_record(
        action="sampling.review_open",
        target=process,
        process_id=process.pk,
        data={
            "case_number": process.case_number,
            "record": record.pk,
            "approval_case": record.case_number,
            "draw": drawn_case.draw_id,
            "reason": drawn_case.reason,
        },
    )
    return process


@transaction.atomic
def review_decide(
    *,
    process: SamplingReviewProcess,
    finding: str,
    note: str,
    actor,
    instructions: str = "",
    today: datetime.date | None = None,
) -> SamplingReviewProcess:
    """Record the reviewer's finding (domain.md §7; SAI 66, 68; MSL 39).

    - confirmed: the case ends;
    - correction: a ``Correction`` with a deadline in working days goes to the township;
    - revoked: the flow's ``revoke`` node calls ``record_revoke``.
    """
    node = "re_review" if process.correction_rounds else "review"
    if actor.pk in process.excluded_actor_ids(node):
        raise PermissionDenied(ERR_REVIEWER_ACTED)
    if not regions_where(actor, "act_county_reviewer", County).filter(pk=process.county_id).exists():
        raise PermissionDenied(ERR_NOT_COUNTY_REVIEWER)
    if finding not in Finding.values:
        raise ValidationError(ERR_FINDING)
    if finding == Finding.CORRECTION and not instructions.strip():
        raise ValidationError(ERR_INSTRUCTIONS_REQUIRED)
    if finding == Finding.REVOKED and not note.strip():
        raise ValidationError(ERR_REASON_REQUIRED)
    if finding == Finding.REVOKED and process.record.revoked:
        raise ValidationError(ERR_ALREADY_REVOKED)
    old = {"finding": process.finding or None, "finding_note": process.finding_note}
    process.finding = finding
    process.finding_note = note
    process.reviewed_by = actor
    process.reviewed_at = timezone.now()
    process.decided_on = today or timezone.localdate()
    fields = ["finding", "finding_note", "reviewed_by", "reviewed_at", "decided_on"]
    data = {"node": node, "decided_on": process.decided_on}
    if finding == Finding.CORRECTION:
        today = process.decided_on
        process.correction_rounds += 1
        fields.append("correction_rounds")
        due_on = Calendar().add_working_days(today, correction_working_days())
        correction = Correction.objects.create(
            review=process, round=process.correction_rounds, instructions=instructions, ordered_by=actor, due_on=due_on
        )
        data.update({"correction": correction.pk, "due_on": due_on, "round": correction.round})
    process.save(update_fields=fields)
    audit_record(
        action="sampling.review_decide",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes=diff(old, {"finding": finding, "finding_note": note}),
        data=data,
    )
    if finding == Finding.CORRECTION:
        signals.correction_ordered.send(
            sender=SamplingReviewProcess, record=process.record, review=process, due_on=due_on
        )
    return process


@transaction.atomic
def correction_complete(*, process: SamplingReviewProcess, report: str, actor) -> Correction:
    """The township reports the correction done; the county reviews the case again."""
    if not regions_where(actor, "act_case_worker", Township).filter(pk=process.township_id).exists():
        raise PermissionDenied(ERR_NOT_TOWNSHIP_CASE_WORKER)
    if not report.strip():
        raise ValidationError(ERR_REPORT_REQUIRED)
    correction = process.corrections.filter(done_at__isnull=True).order_by("-round").first()
    if correction is None:
        raise ValidationError(ERR_NO_OPEN_CORRECTION)
    correction.report = report
    correction.done_by = actor
    correction.done_at = timezone.now()
    correction.save(update_fields=["report", "done_by", "done_at"])
    audit_record(
        action="sampling.correction_complete",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={"report": [None, report]},
        data={"correction": correction.pk, "round": correction.round, "due_on": correction.due_on},
    )
    return correction


@transaction.atomic
def corrections_escalate_overdue(*, today: datetime.date | None = None) -> int:
    """Flag corrections whose deadline passed without a report (once each), audited on the review case.

    The county sees them on its sampling page; returns how many were escalated.
    """
    today = today or timezone.localdate()
    calendar = Calendar()
    count = 0
    overdue = (
        Correction.objects.select_for_update()
        .filter(done_at__isnull=True, escalated_on__isnull=True, due_on__lt=today)
        .order_by("pk")
    )
    for correction in overdue:
        correction.escalated_on = today
        correction.save(update_fields=["escalated_on"])
        audit_record(
            action="sampling.correction_overdue",
            target=correction.review,
            process_id=correction.review_id,
            changes={"escalated_on": [None, today]},
            data={
                "correction": correction.pk,
                "due_on": correction.due_on,
                "working_days_overdue": calendar.working_days_between(correction.due_on, today),
            },
        )
        count += 1
    return count


def recovery_amount(record: ApprovalRecord, decided_on: datetime.date) -> tuple[Decimal, int, datetime.date | None]:
    """Wrongly paid money of a revoked approval (SAI 66, 68).

    Monthly benefit: paid every month from ``payment_starts`` up to and
    including the month of the decision (the benefit stops from the next
    month), so ``months = months from payment_starts to decided_on,
    inclusive`` (0 if payments had not started) and the amount is
    ``monthly_amount × months``. One-off assistance: ``one_off_amount``.
    Returns (amount, months, last month counted).
    """
    amount = Decimal("0.00")
    months = 0
    last = None
    if record.monthly_amount and record.payment_starts:
        first = record.payment_starts
        decided_month = _first_of_month(decided_on)
        if first <= decided_month:
            months = (decided_month.year - first.year) * 12 + (decided_month.month - first.month) + 1
            last = decided_month
        amount += record.monthly_amount * months
    if record.one_off_amount:
        amount += record.one_off_amount
    return max(amount, Decimal("0.00")).quantize(CENT), months, last


@transaction.atomic
def record_revoke(*, review: SamplingReviewProcess, reason: str, actor, on: datetime.date | None = None) -> Recovery:
    """Revoke a township approval: stop the benefit from the next month and open a recovery (SAI 66, 68).

    ``benefit_revoked`` is sent inside this transaction so the programme app
    stops its own benefit atomically with the decision.
    """
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED)
    record = ApprovalRecord.objects.select_for_update().get(pk=review.drawn_case.record_id)
    if record.revoked:
        raise ValidationError(ERR_ALREADY_REVOKED)
    decided_on = on or review.decided_on or timezone.localdate()
    stop_from = _add_months(decided_on, 1)
    amount, months, last = recovery_amount(record, decided_on)
    recovery = Recovery.objects.create(
        record=record,
        review=review,
        amount=amount,
        months=months,
        computed_from=record.payment_starts if months else None,
        computed_to=(_add_months(last, 1) - datetime.timedelta(days=1)) if last else None,
        stop_from=stop_from,
        reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record.revoked = True
    record.benefit_stopped_from = stop_from
    record.save(update_fields=["revoked", "benefit_stopped_from"])
    data = {"stop_from": stop_from, "amount": amount, "months": months, "recovery": recovery.pk, "review": review.pk}
    changes = {"revoked": [False, True], "benefit_stopped_from": [None, stop_from]}
    audit_record(
        action="sampling.revoke", target=record, actor=actor, process_id=record.process_id, changes=changes, data=data
    )
    audit_record(action="sampling.revoke", target=review, actor=actor, process_id=review.pk, changes=changes, data=data)
    signals.benefit_revoked.send(sender=ApprovalRecord, record=record, stop_from=stop_from, recovery=recovery)
    return recovery


@transaction.atomic
def recovery_settle(*, recovery: Recovery, actor) -> Recovery:
    """Mark the wrongly paid money as recovered (county officer of the approval's county, once)."""
    recovery = Recovery.objects.select_for_update().select_related("record").get(pk=recovery.pk)
    if not regions_where(actor, "act_county_officer", County).filter(pk=recovery.record.county_id).exists():
        raise PermissionDenied(ERR_NOT_COUNTY_OFFICER)
    if recovery.status == Recovery.Status.SETTLED:
        raise ValidationError(ERR_RECOVERY_SETTLED)
    old = recovery.status
    recovery.status = Recovery.Status.SETTLED
    recovery.save(update_fields=["status"])
    audit_record(
        action="sampling.recovery_settle",
        target=recovery,
        actor=actor,
        process_id=recovery.record.process_id,
        changes={"status": [old, recovery.status]},
    )
    return recovery


__all__ = [
    "approval_actor_add",
    "approval_one_off_update",
    "approval_register",
    "complaint_register",
    "correction_complete",
    "draw_run",
    "record_revoke",
    "recovery_amount",
    "review_decide",
    "run_due_draws",
    "verify_draw",
]


def review_start(*, drawn_case_pk: int) -> SamplingReviewProcess | None:
    """Start the review case of a drawn case, unless it has one (idempotent, row-locked)."""
    from .flows import SamplingReviewFlow

    with transaction.atomic():
        drawn_case = DrawnCase.objects.select_for_update().select_related("record").get(pk=drawn_case_pk)
        if SamplingReviewProcess.objects.filter(drawn_case=drawn_case).exists():
            return None
        return SamplingReviewFlow.start.run(drawn_case=drawn_case)

"""Stored draws (domain.md §7; TK 16, MSL 20): composition, forced-in cases, township minimum,
reproducibility from the stored seed, and the periodic beat task."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from tests.sampling.conftest import AFTER_JULY, JULY, approve, draw_july
from workflows.core.models import AuditEvent
from workflows.sampling import services
from workflows.sampling.models import ApprovalActor, ApprovalRecord, DrawnCase, SamplingDraw
from workflows.sampling.tasks import run_due_draws


def test_approval_register_is_idempotent_and_audited(region, case_worker_a, approver_a):
    """Registering the same approval twice keeps one record; actors and the approver are stored
    as excluded reviewers; the registration is in the programme case's audit chain."""
    record = approve(case_worker_a, approver_a, region.village_a)
    again = services.approval_register(
        process_id=record.process_id, programme="dibao", county=region.county, township=region.township_a,
        village=region.village_a, case_number=record.case_number, approved_on=record.approved_on,
        approved_by_id=approver_a.pk, actor_ids=[], monthly_amount=None, payment_starts=None,
        one_off_amount=None, staff_relative=False, rule_versions={}, finance_check_id=None,
    )  # fmt: skip
    assert again.pk == record.pk
    assert ApprovalRecord.objects.count() == 1
    assert set(ApprovalActor.objects.filter(record=record).values_list("user_id", flat=True)) == {
        case_worker_a.pk,
        approver_a.pk,
    }
    assert (
        AuditEvent.objects.filter(chain=f"case:{record.process_id}", action="sampling.approval_register").count() == 1
    )


def test_approval_register_refuses_negative_money(region, case_worker_a, approver_a):
    """Money is never negative."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        approve(case_worker_a, approver_a, region.village_a, monthly_amount=Decimal("-1.00"))
    assert services.ERR_NEGATIVE_AMOUNT in exc.value.messages


def test_draw_size_composition_and_township_minimum(region, approvals):
    """TK 16, MSL 20: 10 approvals at 30% draw 3 at random; township B (3 approvals) is
    represented even when the random part missed it; the composition is stored."""
    draw = draw_july(region.county, start_reviews=False)
    comp = draw.composition
    assert draw.pool_size == 10 and comp["random_count"] == 3
    assert draw.ratio == Decimal("0.300") and int(draw.seed) == 12345
    drawn = list(DrawnCase.objects.filter(draw=draw).select_related("record"))
    assert draw.drawn_count == len(drawn) == sum(comp["by_reason"].values())
    assert comp["by_reason"].get("random") == 3
    assert {d.record.township_id for d in drawn} == {region.township_a.pk, region.township_b.pk}
    assert comp["per_township"][str(region.township_a.pk)]["pool"] == 7
    assert comp["per_township"][str(region.township_b.pk)]["pool"] == 3
    assert [f["reason"] for f in comp["forced"]] == [d.reason for d in drawn if d.reason != "random"]
    assert ApprovalRecord.objects.filter(pooled_in=draw).count() == 10


def test_township_minimum_across_seeds(region, approvals):
    """Whatever the seed, every township that approved something in the period has a drawn case."""
    for seed in range(20):
        selection = services.draw_algo.draw([(r.pk, r.township_id, None) for r in approvals], Decimal("0.3"), seed)
        townships = {ApprovalRecord.objects.get(pk=s.record_id).township_id for s in selection}
        assert townships == {region.township_a.pk, region.township_b.pk}


def test_staff_relative_and_complaint_forced_in(region, approvals, case_worker_a, approver_a, county_officer):
    """TK 16 / MSL 20: staff-relative cases and complained-about cases are always drawn, on top
    of the random 30%, with their reason recorded."""
    relative = approve(case_worker_a, approver_a, region.village_a, staff_relative=True)
    complained = approvals[0]
    complaint = services.complaint_register(
        process_id=complained.process_id,
        received_on=datetime.date(2026, 7, 20),
        summary="群众反映",
        actor=county_officer,
    )
    draw = draw_july(region.county, seed=99, start_reviews=False)
    reasons = dict(DrawnCase.objects.filter(draw=draw).values_list("record_id", "reason"))
    assert reasons[relative.pk] in {"staff_relative", "random"}
    assert reasons[complained.pk] in {"complaint", "random"}
    assert draw.composition["random_count"] == 4  # ceil(0.3 × 11)
    complaint.refresh_from_db()
    assert complaint.drawn_in.record_id == complained.pk


def test_complaint_after_draw_forces_case_into_next_draw(region, approvals, county_officer):
    """A complaint about a case approved in an already drawn period forces it into the next
    draw (carried over, not counted in the next period's pool)."""
    first = draw_july(region.county, start_reviews=False)
    not_drawn = ApprovalRecord.objects.exclude(drawn__draw=first).first()
    services.complaint_register(
        process_id=not_drawn.process_id, received_on=datetime.date(2026, 8, 10), summary="投诉", actor=county_officer
    )
    august = services.draw_run(
        county=region.county,
        period_start=datetime.date(2026, 8, 1),
        period_end=datetime.date(2026, 8, 31),
        seed=1,
        today=datetime.date(2026, 9, 2),
        start_reviews=False,
    )
    assert august.pool_size == 0
    assert list(DrawnCase.objects.filter(draw=august).values_list("record_id", "reason")) == [
        (not_drawn.pk, "complaint")
    ]
    assert services.verify_draw(august)[0]


def test_draw_is_idempotent_per_period(region, approvals):
    """A period is drawn once: running it again returns the stored draw (unique county+period)."""
    first = draw_july(region.county, start_reviews=False)
    second = services.draw_run(county=region.county, period_start=JULY[0], period_end=JULY[1], today=AFTER_JULY)
    assert first.pk == second.pk
    assert SamplingDraw.objects.count() == 1


def test_period_must_have_ended(region, approvals):
    """An open period cannot be drawn."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.draw_run(county=region.county, period_start=JULY[0], period_end=JULY[1], today=JULY[1])
    assert services.ERR_PERIOD_NOT_ENDED in exc.value.messages


def test_verify_command_reproduces_and_detects_tampering(region, approvals, capsys):
    """Re-running a stored draw from its seed gives the same cases (exit 0); a tampered draw
    exits 1. Later edits to the records do not change verification (the pool is a snapshot)."""
    draw = draw_july(region.county, start_reviews=False)
    ApprovalRecord.objects.update(staff_relative=True)  # later change to the records
    call_command("verify_draw", str(draw.pk))
    assert "OK" in capsys.readouterr().out

    drawn_ids = set(DrawnCase.objects.filter(draw=draw).values_list("record_id", flat=True))
    outside = ApprovalRecord.objects.exclude(pk__in=drawn_ids).first()
    DrawnCase.objects.filter(draw=draw).order_by("pk").first().delete()
    DrawnCase.objects.create(draw=draw, record=outside, reason="random")
    with pytest.raises(SystemExit) as exc:
        call_command("verify_draw", str(draw.pk))
    assert exc.value.code == 1


def test_same_seed_same_cases_in_fresh_database_state(region, approvals):
    """Two draws with the same seed over the same pool select the same records."""
    draw = draw_july(region.county, start_reviews=False)
    stored = list(DrawnCase.objects.filter(draw=draw).order_by("record_id").values_list("record_id", "reason"))
    again = services.draw_algo.draw(draw.pool, draw.ratio, int(draw.seed))
    assert stored == [tuple(s) for s in again]


def test_beat_task_draws_ended_periods_once(region, approvals, case_worker_a, approver_a, monkeypatch):
    """The beat task draws every ended period without a draw (July and August here), and a
    second run draws nothing more; the current month is left alone."""
    approve(case_worker_a, approver_a, region.village_a, approved_on=datetime.date(2026, 8, 5))
    approve(case_worker_a, approver_a, region.village_a, approved_on=datetime.date(2026, 9, 5))
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2026, 9, 10))
    first = run_due_draws()
    assert len(first) == 2
    periods = list(SamplingDraw.objects.order_by("period_start").values_list("period_start", "pool_size"))
    assert periods == [(datetime.date(2026, 7, 1), 10), (datetime.date(2026, 8, 1), 1)]
    assert run_due_draws() == []
    assert SamplingDraw.objects.count() == 2
    assert ApprovalRecord.objects.filter(pooled_in__isnull=True).count() == 1  # September, still open


def test_period_and_ratio_are_configuration(region, approvals, case_worker_a, approver_a, monkeypatch):
    """domain.md §7 "ratio and period are configuration": with a rule version quarterly at 50%, the
    beat task waits for the quarter to end, then draws July-September once with ceil(0.5 × 11) = 6
    random cases, recording the rule version it used."""
    from workflows.core.models import SamplingRule

    rule = SamplingRule.objects.create(
        county=region.county, effective_from=datetime.date(2026, 7, 1), period="quarterly", ratio=Decimal("0.500")
    )
    approve(case_worker_a, approver_a, region.village_a, approved_on=datetime.date(2026, 9, 5))
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2026, 9, 10))
    assert run_due_draws() == []  # the quarter has not ended
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2026, 10, 2))
    [pk] = run_due_draws()
    draw = SamplingDraw.objects.get(pk=pk)
    assert (draw.period_start, draw.period_end) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert draw.rule == rule and draw.ratio == Decimal("0.500")
    assert draw.pool_size == 11 and draw.composition["by_reason"]["random"] == 6
    assert services.verify_draw(draw)[0]
    assert run_due_draws() == []

"""Phase-out (渐退, N22 1(3)): income lifted above the line by employment keeps the benefit
for up to the county's limit (default 6 months), then it stops by itself with a letter."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.documents.glyphs import pdf_text_compact
from workflows.caseload import services
from workflows.caseload.models import BenefitStatus, CaseloadRule, ChangeKind, Ground

from .conftest import open_benefit

ON = datetime.date(2027, 3, 10)


def test_phase_out_continues_then_stops_with_a_letter(region, case_worker_a, approver_a):
    """N22 1(3): a 3-month phase-out decided in March pays April to June, states its end in
    its letter; beat leaves it running in May and, in June, stops it from July with a stop
    letter giving the ground and the appeal rights."""
    benefit = open_benefit(case_worker_a, region.village_a)
    change = services.benefit_phase_out(benefit=benefit, months=3, reasons="长子就业，家庭收入超过保障标准。",
                                        actor=approver_a, on=ON)  # fmt: skip
    benefit.refresh_from_db()
    assert change.kind == ChangeKind.PHASE_OUT and change.ground == Ground.EMPLOYMENT
    assert benefit.status == BenefitStatus.PHASING_OUT and benefit.phase_out_until == datetime.date(2027, 6, 1)
    assert "继续发放至2027年6月" in pdf_text_compact(change.letter.file.read())

    assert services.phase_outs_end(today=datetime.date(2027, 5, 31)) == 0
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.PHASING_OUT

    assert services.phase_outs_end(today=datetime.date(2027, 6, 2)) == 1
    assert services.phase_outs_end(today=datetime.date(2027, 6, 3)) == 0  # once
    benefit.refresh_from_db()
    stop = benefit.changes.get(kind=ChangeKind.STOP)
    assert stop.ground == Ground.PHASE_OUT_ENDED and stop.effective_month == datetime.date(2027, 7, 1)
    assert stop.decided_by is None and benefit.status == BenefitStatus.STOPPED
    assert benefit.until == datetime.date(2027, 6, 1)
    pays = [benefit.amount_in(datetime.date(2027, m, 1)) for m in range(3, 9)]
    assert pays == [Decimal("600.00")] * 4 + [Decimal("0.00")] * 2
    text = pdf_text_compact(stop.letter.file.read())
    assert "渐退期满" in text and "自2027年7月起停止" in text and "60日内依法申请行政复议" in text


def test_phase_out_is_bounded_by_the_county_rule(region, case_worker_a, approver_a):
    """N22 1(3): at most 6 months by default, fewer where the county says so; never zero."""
    benefit = open_benefit(case_worker_a, region.village_a)
    for months in (0, 7):
        with pytest.raises(ValidationError):
            services.benefit_phase_out(benefit=benefit, months=months, reasons="就业", actor=approver_a, on=ON)
    CaseloadRule.objects.create(county=region.county, effective_from=datetime.date(2027, 1, 1), phase_out_max_months=4)
    with pytest.raises(ValidationError) as exc:
        services.benefit_phase_out(benefit=benefit, months=5, reasons="就业", actor=approver_a, on=ON)
    assert "1 至 4 个月" in exc.value.messages[0]
    assert benefit.changes.count() == 1


def test_only_the_townships_approver_starts_a_phase_out(region, case_worker_a, approver_b):
    """Negative: another township's approver (and a phase-out through the generic change,
    which has no term) is refused."""
    benefit = open_benefit(case_worker_a, region.village_a)
    with pytest.raises(PermissionDenied):
        services.benefit_phase_out(benefit=benefit, months=3, reasons="就业", actor=approver_b, on=ON)
    with pytest.raises(ValidationError):
        services.benefit_change(benefit=benefit, kind=ChangeKind.PHASE_OUT, ground=Ground.EMPLOYMENT, reasons="就业",
                                actor=approver_b, on=ON)  # fmt: skip

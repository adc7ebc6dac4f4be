"""A county revocation in sampling review stops the dibao benefit itself (SAI 66, 68; MSL 32).

The sampling app computes the recovery and sends ``benefit_revoked`` inside its
transaction; the dibao case records the month payment stops, with an audit row
holding old and new values, in that same transaction.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.sampling.conftest import decide, review_of
from workflows.core.models import AuditEvent
from workflows.dibao import services
from workflows.dibao.models import Decision, DibaoProcess
from workflows.sampling import services as sampling_services
from workflows.sampling.models import ApprovalRecord, Recovery
from workflows.sampling.tasks import start_reviews

from .conftest import accept, file_case, home_visit, pass_notice, propose, sign_all


@pytest.fixture
def approved(region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch):
    """A dibao case approved through the real flow (600.00 a month, paid from next month)."""
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    process = pass_notice(process, monkeypatch)
    process = sign_all(process, case_worker_a, approver_a, approver_a2)
    assert process.decision == Decision.APPROVED and process.benefit_stopped_from is None
    return process


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def test_county_revocation_stops_the_dibao_benefit_from_next_month(region, approved, county_reviewer):
    """Drawn, reviewed and revoked by the county: the case's benefit stops on the first day of the
    month after the revocation, the recovery counts the months paid, and the case chain records the
    stop with old and new values (SAI 66, 68)."""
    record = ApprovalRecord.objects.get(process_id=approved.pk)
    month_start = approved.decided_on.replace(day=1)
    month_end = _first_of_next_month(approved.decided_on) - datetime.timedelta(days=1)
    revoked_on = _first_of_next_month(approved.payment_starts) + datetime.timedelta(days=9)  # one month paid
    draw = sampling_services.draw_run(
        county=region.county,
        period_start=month_start,
        period_end=month_end,
        seed=7,
        today=month_end + datetime.timedelta(days=1),
        start_reviews=False,
    )
    start_reviews(draw.pk)
    assert draw.cases.filter(record=record).exists()  # a pool of one: ceil(30 % × 1) = 1

    decide(review_of(record), county_reviewer, "revoked", note="隐瞒经营收入", today=revoked_on)

    process = DibaoProcess.objects.get(pk=approved.pk)
    assert process.benefit_stopped_from == _first_of_next_month(revoked_on)
    recovery = Recovery.objects.get(record=record)
    assert recovery.stop_from == process.benefit_stopped_from
    assert recovery.months == 2 and recovery.amount == Decimal("1200.00")  # two months of 600.00 paid
    event = AuditEvent.objects.get(chain=f"case:{process.pk}", action="dibao.benefit_stopped")
    assert event.changes == {"benefit_stopped_from": [None, process.benefit_stopped_from.isoformat()]}
    assert event.actor == county_reviewer


def test_stopping_twice_keeps_the_earlier_month(approved, county_reviewer):
    """Idempotent: a second stop from a later month changes nothing and writes no second audit row."""
    first = datetime.date(2027, 2, 1)
    services.dibao_benefit_stop(process=approved, stop_from=first, reason="撤销", actor=county_reviewer)
    services.dibao_benefit_stop(
        process=approved, stop_from=datetime.date(2027, 5, 1), reason="又", actor=county_reviewer
    )
    assert DibaoProcess.objects.get(pk=approved.pk).benefit_stopped_from == first
    assert AuditEvent.objects.filter(chain=f"case:{approved.pk}", action="dibao.benefit_stopped").count() == 1


def test_a_refused_case_cannot_be_stopped(region, case_worker_a, county_reviewer):
    """Negative: only an approved benefit can be stopped; nothing is written."""
    process = file_case(case_worker_a, region.village_a)
    with pytest.raises(ValidationError) as exc:
        services.dibao_benefit_stop(process=process, stop_from=datetime.date(2027, 1, 1), reason="x", actor=None)
    assert exc.value.messages == [str(services.ERR_STOP_NOT_APPROVED)]
    assert DibaoProcess.objects.get(pk=process.pk).benefit_stopped_from is None

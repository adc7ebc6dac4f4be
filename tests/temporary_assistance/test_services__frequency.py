"""Frequency rules (TA18 2(3); domain.md §6): one payment per event, no repeat for the same cause
without a new reason, at most N per household per year (configurable per county)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.temporary_assistance.helpers import do, file_case
from workflows.core.models import TemporaryAssistanceRule
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import TemporaryAssistanceProcess


def days_ago(n):
    """``n`` days before today, all in one calendar year: the limits count by the event's year, so in the
    first days of January the dates are taken back from the last day of the previous year."""
    today = timezone.localdate()
    base = today if today.timetuple().tm_yday > 10 else datetime.date(today.year - 1, 12, 31)
    return base - datetime.timedelta(days=n)


def test_same_event_is_refused(region, case_worker_a, household_a):
    """One payment per event: a second request for the same household, cause and event date is refused
    and no case is created."""
    file_case(case_worker_a, household_a, cause="fire", event_date=days_ago(1))
    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_a, household_a, cause="fire", event_date=days_ago(1), repeat_reason="又一次")
    assert exc.value.code == "same_event"
    assert TemporaryAssistanceProcess.objects.count() == 1


def test_repeat_same_cause_needs_new_reason(region, case_worker_a, household_a):
    """A repeat for the same cause is refused without a new reason, accepted with one."""
    file_case(case_worker_a, household_a, cause="fire", event_date=days_ago(3))
    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_a, household_a, cause="fire", event_date=days_ago(1))
    assert str(services.ERR_REPEAT_WITHOUT_REASON % {"cause": "火灾"}) in exc.value.messages
    process = file_case(case_worker_a, household_a, cause="fire", event_date=days_ago(1), repeat_reason="再次失火")
    assert process.repeat_reason == "再次失火"


def test_refused_case_does_not_count(region, case_worker_a, approver_a, household_a, fund_a):
    """A refused request is not a payment: the same event may be filed again."""
    process = file_case(case_worker_a, household_a, cause="fire", event_date=days_ago(1))
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=False, reason="不符合条件")
    file_case(case_worker_a, household_a, cause="fire", event_date=days_ago(1))


def test_yearly_maximum_default_two(region, case_worker_a, household_a, household_b, case_worker_b):
    """At most 2 per household per year by default; the third is refused; other households unaffected."""
    file_case(case_worker_a, household_a, cause="fire", event_date=days_ago(5))
    file_case(case_worker_a, household_a, cause="accident", event_date=days_ago(4))
    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_a, household_a, cause="flood", event_date=days_ago(3))
    assert exc.value.code == "yearly_limit"
    file_case(case_worker_b, household_b, cause="flood", event_date=days_ago(3))


def test_yearly_maximum_is_configurable(region, case_worker_a, household_a):
    """The county may set its own yearly maximum (a new rule version)."""
    TemporaryAssistanceRule.objects.create(
        county=region.county, effective_from=timezone.localdate(), max_payments_per_year=1
    )
    file_case(case_worker_a, household_a, cause="fire", event_date=days_ago(5))
    with pytest.raises(ValidationError):
        file_case(case_worker_a, household_a, cause="accident", event_date=days_ago(4))


def test_case_worker_of_other_township_cannot_file(region, case_worker_b, household_a):
    """Wrong township: a case worker files only for households of their township."""
    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_b, household_a)
    assert str(services.ERR_HOUSEHOLD_OUTSIDE) in exc.value.messages


def test_approver_cannot_file(region, approver_a, household_a):
    """Wrong role: only case workers open temporary-assistance cases."""
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        file_case(approver_a, household_a)


def test_amount_must_be_positive_money(region, case_worker_a, household_a):
    """Money is positive yuan with at most 2 decimals."""
    for bad in (Decimal("0"), Decimal("-5"), Decimal("1.001")):
        with pytest.raises(ValidationError):
            file_case(case_worker_a, household_a, requested_amount=bad)


# --- by event date (issue 16 item 9) ------------------------------------------------------


def last_year(month, day):
    return datetime.date(timezone.localdate().year - 1, month, day)


def test_yearly_maximum_counts_by_event_year_not_filing_year(region, case_worker_a, household_a):
    """TA18 2(3): the yearly maximum counts the year of the event. Two cases filed today for events of last
    year do not use this year's two; a third event of last year is refused with last year named."""
    file_case(case_worker_a, household_a, cause="fire", event_date=last_year(11, 3))
    file_case(case_worker_a, household_a, cause="accident", event_date=last_year(12, 20))
    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_a, household_a, cause="flood", event_date=last_year(12, 28))
    assert exc.value.code == "yearly_limit"
    assert str(timezone.localdate().year - 1) in exc.value.messages[0]
    this_year = timezone.localdate().replace(month=1, day=1)
    file_case(case_worker_a, household_a, cause="flood", event_date=this_year)
    file_case(case_worker_a, household_a, cause="sudden_illness", event_date=this_year)
    assert TemporaryAssistanceProcess.objects.filter(household=household_a).count() == 4


def test_repeat_of_a_cause_from_an_earlier_event_year_needs_no_new_reason(region, case_worker_a, household_a):
    """TA18 2(3): the same cause in a different event year is not a repeat within the year."""
    file_case(case_worker_a, household_a, cause="fire", event_date=last_year(6, 1))
    process = file_case(
        case_worker_a, household_a, cause="fire", event_date=timezone.localdate().replace(month=1, day=1)
    )
    assert process.repeat_reason == ""
    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_a, household_a, cause="fire", event_date=last_year(9, 1))
    assert exc.value.code == "repeat"


def test_approval_recheck_counts_the_event_year_of_the_case(region, case_worker_a, approver_a, household_a, fund_a):
    """TA18 2(3): at approval the count is re-checked for the case's event year: with the yearly maximum
    lowered to 1 after filing, the second event of last year cannot be approved, while a case for this
    year's event can."""
    old = file_case(case_worker_a, household_a, cause="fire", event_date=last_year(3, 1))
    second = file_case(case_worker_a, household_a, cause="accident", event_date=last_year(4, 1))
    current = file_case(
        case_worker_a, household_a, cause="flood", event_date=timezone.localdate().replace(month=1, day=1)
    )
    TemporaryAssistanceRule.objects.create(
        county=region.county, effective_from=timezone.localdate(), max_payments_per_year=1
    )
    with pytest.raises(ValidationError) as exc:
        do(second, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    assert exc.value.code == "yearly_limit"
    do(current, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    assert TemporaryAssistanceProcess.objects.get(pk=current.pk).paid_amount() == Decimal("1500.00")
    assert old.event_date.year == second.event_date.year

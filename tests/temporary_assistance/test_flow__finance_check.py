"""Spending-shock cases wait for the household-finance check (MSL 17; domain.md §6: emergencies skip it).

The finance-check app sends ``finance_check_finished(check=...)``; our receiver queues a Celery job
on commit that advances the ``await_finance_check`` Handle.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import ConsentFactory
from tests.temporary_assistance.helpers import file_case, node_names
from workflows.core.driving import open_tasks
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import TemporaryAssistanceProcess
from workflows.temporary_assistance.receivers import on_finance_check_finished
from workflows.temporary_assistance.tasks import advance_after_finance_check


def spending_shock(case_worker_a, household_a, amount="1500"):
    return file_case(
        case_worker_a, household_a, kind="spending_shock", cause="medical_expense",
        requested_amount=Decimal(amount), event_date=timezone.localdate() - datetime.timedelta(days=10),
    )  # fmt: skip


@pytest.fixture
def consented(household_a):
    for member in household_a.members.all():
        ConsentFactory(member=member)
    return household_a


def test_spending_shock_needs_check_authorisation(region, case_worker_a, household_a):
    """MSL 9: a spending-shock request is refused at filing when an adult member has not authorised the check."""
    with pytest.raises(ValidationError) as exc:
        spending_shock(case_worker_a, household_a)
    assert exc.value.code == "no_consent"
    assert not TemporaryAssistanceProcess.objects.exists()


def test_spending_shock_waits_for_check_then_routes_by_tier(
    region, case_worker_a, consented, django_capture_on_commit_callbacks
):
    """MSL 17: a spending-shock case requests the check and waits; the check's completion (signal)
    advances it on commit to the tier's approval, recording the outcome on the case."""
    from workflows.finance_check.models import FinanceCheckProcess

    process = spending_shock(case_worker_a, consented)
    assert open_tasks(process, F.await_finance_check).exists()
    assert (
        FinanceCheckProcess.objects.get(case_ref=f"temporary_assistance:{process.pk}").purpose == "temporary_assistance"
    )
    assert not open_tasks(process, F.township_approve).exists()
    check = SimpleNamespace(pk=77, case_number="", case_ref=f"temporary_assistance:{process.pk}", outcome="eligible")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert on_finance_check_finished(check=check)
    # the job; then, registered as the job's step commits, the new approval task's queue
    # notification (workspace.notifications: after the commit)
    assert len(callbacks) == 2
    assert callbacks[1].__qualname__.startswith("_on_task_saved")
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.finance_check_ref == "77" and process.finance_check_outcome == "eligible"
    assert open_tasks(process, F.township_approve).exists()
    assert advance_after_finance_check(process.pk, "77", "eligible") == "skipped"  # redelivery is harmless


def test_emergency_skips_finance_check(region, case_worker_a, household_a):
    """domain.md §6: a sudden emergency goes straight to tier routing without a check."""
    process = file_case(case_worker_a, household_a)
    assert "request_finance_check" not in node_names(process)
    assert open_tasks(process, F.township_approve).exists()


def test_other_checks_are_ignored(region):
    """A check for another process type (e.g. dibao) is not ours."""
    assert on_finance_check_finished(check=SimpleNamespace(pk=1, case_ref="dibao:5", outcome="x")) is False

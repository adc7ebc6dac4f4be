"""Assist-first completion is real (issue 16 item 6; TA18 2(2), ZB20 15, MSL 9/17, SAI 68).

Completing the paperwork records the township head's signature, reconciles the paid amount with the
payments and the reserve fund's ledger, and either runs the household-finance check or records, for
every data source, why it is not needed. A check that does not confirm the household's situation
opens the county's recovery decision.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import ConsentFactory
from tests.temporary_assistance.helpers import do, file_case, paperwork_waived
from workflows.core.driving import open_tasks
from workflows.core.models import AuditEvent
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import TemporaryAssistanceProcess
from workflows.temporary_assistance.receivers import on_finance_check_finished


def paid_case(case_worker_a, approver_a, household, amount="1200"):
    process = file_case(
        case_worker_a, household, assist_first=True, requested_amount=Decimal(amount),
        event_date=timezone.localdate() - datetime.timedelta(days=1),
    )  # fmt: skip
    do(process, F.assist_first_pay, approver_a, services.case_assist_first_pay, amount=Decimal(amount))
    return TemporaryAssistanceProcess.objects.get(pk=process.pk)


def complete(process, user, **overrides):
    return do(process, F.complete_paperwork, user, services.case_complete_paperwork,
              **paperwork_waived(process, **overrides))  # fmt: skip


def reload(process):
    return TemporaryAssistanceProcess.objects.get(pk=process.pk)


@pytest.fixture
def consented(household_a):
    for member in household_a.members.all():
        ConsentFactory(member=member)
    return household_a


def test_waived_check_records_every_source_signature_and_amount(region, case_worker_a, approver_a, household_a, fund_a):
    """TA18 2(2), MSL 17: without a check, every configured data source carries its reason; the head's
    signature and the reconciled amount are recorded and the case ends."""
    process = paid_case(case_worker_a, approver_a, household_a)
    complete(process, case_worker_a, note="补办完成")
    process = reload(process)
    assert process.status == "DONE" and not process.paperwork_pending
    assert process.paperwork_head_signer == "王镇长" and process.paperwork_head_signed_on == timezone.localdate()
    assert process.paperwork_reconciled_amount == Decimal("1200.00")
    assert process.after_check == "waived"
    assert set(process.after_check_waivers) == set(services.after_check_sources())
    event = AuditEvent.objects.filter(process_id=process.pk, action="case.paperwork_completed").get()
    assert event.data["waivers"] == process.after_check_waivers


def test_a_source_without_reason_is_refused(region, case_worker_a, approver_a, household_a, fund_a):
    """MSL 17: no source is skipped silently: one blank reason refuses the completion; the task stays open."""
    process = paid_case(case_worker_a, approver_a, household_a)
    sources = services.after_check_sources()
    waivers = dict.fromkeys(sources[1:], "无需核对")
    with pytest.raises(ValidationError) as exc:
        complete(process, case_worker_a, waivers=waivers)
    assert exc.value.code == "waiver_missing"
    assert reload(process).paperwork_completed_at is None
    assert open_tasks(process, F.complete_paperwork).exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"head_signer": ""}, "incomplete"),
        ({"head_signed_on": None}, "incomplete"),
        ({"registration": False}, "incomplete"),
        ({"head_signed_on": timezone.localdate() + datetime.timedelta(days=1)}, "signed_future"),
        ({"head_signed_on": timezone.localdate() - datetime.timedelta(days=3)}, "signed_before_payment"),
        ({"receipt_amount": Decimal("1100.00")}, "reconcile"),
        ({"after_check": ""}, "after_check"),
    ],
)
def test_incomplete_or_unreconciled_paperwork_is_refused(
    region, case_worker_a, approver_a, household_a, fund_a, overrides, code
):
    """ZB20 15 / TA18 3(3): no completion without the registration, the head's dated signature
    (not in the future, not before the payment) and a receipt equal to what was paid."""
    process = paid_case(case_worker_a, approver_a, household_a)
    with pytest.raises(ValidationError) as exc:
        complete(process, case_worker_a, **overrides)
    assert exc.value.code == code
    assert reload(process).paperwork_completed_at is None


def test_ledger_mismatch_is_refused(region, case_worker_a, approver_a, household_a, fund_a):
    """TA18 3(3): a payment "from the township fund" with no ledger entry behind it (a row written
    around the services) makes payments and ledger disagree: the paperwork cannot close."""
    from workflows.temporary_assistance.models import Payment

    process = paid_case(case_worker_a, approver_a, household_a)
    Payment.objects.create(
        process=process, seq=2, amount=Decimal("50.00"), source=Payment.Source.TOWNSHIP_FUND,
        paid_at=timezone.now(), paid_by=approver_a,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        complete(process, case_worker_a, receipt_amount=Decimal("1250.00"))
    assert exc.value.code == "ledger"


def test_running_the_check_needs_authorisation(region, case_worker_a, approver_a, household_a, fund_a):
    """MSL 9: the after-the-fact check runs only with every adult's check authorisation (signed afterwards
    with the paperwork); without it the completion is refused and nothing is requested."""
    from workflows.finance_check.models import FinanceCheckProcess

    process = paid_case(case_worker_a, approver_a, household_a)
    with pytest.raises(ValidationError) as exc:
        complete(process, case_worker_a, after_check="run", waivers={})
    assert exc.value.code == "no_consent"
    assert not FinanceCheckProcess.objects.exists()


def test_passed_check_ends_the_case(
    region, case_worker_a, approver_a, consented, fund_a, django_capture_on_commit_callbacks
):
    """MSL 17: "run" asks the household-finance check for the case and waits; an eligible result ends it."""
    from workflows.finance_check.models import FinanceCheckProcess

    process = paid_case(case_worker_a, approver_a, consented)
    complete(process, case_worker_a, after_check="run", waivers={})
    process = reload(process)
    assert process.after_check == "run" and process.after_check_waivers == {}
    check = FinanceCheckProcess.objects.get(case_ref=f"temporary_assistance:{process.pk}")
    assert check.household_id == consented.pk and not check.spending_shock
    assert open_tasks(process, F.await_after_check).exists() and process.status != "DONE"
    finished = SimpleNamespace(pk=check.pk, case_number="HD-1", case_ref=check.case_ref, outcome="eligible")
    with django_capture_on_commit_callbacks(execute=True):
        assert on_finance_check_finished(check=finished)
    process = reload(process)
    assert process.after_check_outcome == "eligible" and process.status == "DONE"
    assert not open_tasks(process, F.recovery_decision).exists()


def test_failed_check_opens_a_recovery_decision(
    region, case_worker_a, approver_a, approver_b, county_officer, consented, fund_a, django_capture_on_commit_callbacks
):
    """SAI 68 / MSL 32: a check that finds the household not eligible opens the county officer's
    recovery decision; township staff cannot take it; the amount is at most what was paid and the
    decision is written with reasons; recovering marks the approval revoked."""
    from workflows.sampling.models import ApprovalRecord

    process = paid_case(case_worker_a, approver_a, consented)
    complete(process, case_worker_a, after_check="run", waivers={})
    finished = SimpleNamespace(pk=1, case_number="HD-2", case_ref=f"temporary_assistance:{process.pk}",
                               outcome="not_eligible")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        on_finance_check_finished(check=finished)
    process = reload(process)
    task = open_tasks(process, F.recovery_decision).get()
    assert F.recovery_decision.can_assign(county_officer, task)
    assert not F.recovery_decision.can_assign(approver_a, task) and not F.recovery_decision.can_assign(approver_b, task)
    with pytest.raises(PermissionDenied):
        do(process, F.recovery_decision, approver_a, services.case_decide_recovery, recover=True, amount="100",
           reason="不符合")  # fmt: skip
    for amount in ("1200.01", "0", None):
        with pytest.raises(ValidationError) as exc:
            do(process, F.recovery_decision, county_officer, services.case_decide_recovery, recover=True,
               amount=amount, reason="核对发现存款超标")  # fmt: skip
        assert exc.value.code == "recovery_amount"
    with pytest.raises(ValidationError):
        do(process, F.recovery_decision, county_officer, services.case_decide_recovery, recover=True,
           amount="600", reason=" ")  # fmt: skip
    do(process, F.recovery_decision, county_officer, services.case_decide_recovery, recover=True,
       amount="600.00", reason="核对发现存款超标")  # fmt: skip
    process = reload(process)
    assert process.status == "DONE" and process.recovery_decision == "recover"
    assert process.recovery_amount == Decimal("600.00") and process.recovery_decided_by == county_officer
    assert ApprovalRecord.objects.get(process_id=process.pk).revoked
    assert AuditEvent.objects.filter(process_id=process.pk, action="case.recovery_decision").exists()


def test_no_recovery_is_a_reasoned_decision(
    region, case_worker_a, approver_a, county_officer, consented, fund_a, django_capture_on_commit_callbacks
):
    """MSL 32: the county may decide not to recover (e.g. the emergency was real), with reasons;
    the approval stays in force."""
    from workflows.sampling.models import ApprovalRecord

    process = paid_case(case_worker_a, approver_a, consented)
    complete(process, case_worker_a, after_check="run", waivers={})
    finished = SimpleNamespace(pk=1, case_number="", case_ref=f"temporary_assistance:{process.pk}",
                               outcome="needs_review")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        on_finance_check_finished(check=finished)
    do(process, F.recovery_decision, county_officer, services.case_decide_recovery, recover=False,
       reason="急难情形属实，救助金已用于紧急生活")  # fmt: skip
    process = reload(process)
    assert process.recovery_decision == "no_recovery" and process.recovery_amount is None
    assert not ApprovalRecord.objects.get(process_id=process.pk).revoked


def test_paperwork_form_page_lists_every_source(region, case_worker_a, approver_a, household_a, fund_a, client_for):
    """The completion form asks, for each configured source, why it is not needed, and shows the paid amount."""
    process = paid_case(case_worker_a, approver_a, household_a)
    task = open_tasks(process, F.complete_paperwork).get()
    client = client_for(case_worker_a)
    base = f"/staff/cases/temporaryassistance/{process.pk}/complete_paperwork/{task.pk}"
    client.post(f"{base}/assign/")
    page = client.get(f"{base}/execute/")
    assert page.status_code == 200
    for source in services.after_check_sources():
        assert f'name="waive_{source}"' in page.text
    assert 'value="1200.00"' in page.text
    data = {
        "registration": "on", "head_signer": "王镇长", "head_signed_on": timezone.localdate().isoformat(),
        "receipt_amount": "1200.00", "after_check": "waived", "_viewflow_activation-started": "",
        **{f"waive_{s}": "房屋失火，无需核对" for s in services.after_check_sources()},
    }  # fmt: skip
    response = client.post(f"{base}/execute/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert reload(process).status == "DONE"

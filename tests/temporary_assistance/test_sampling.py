"""Temporary-assistance approvals in the county sampling review (domain.md §7; TK 16, MSL 20, SAI 66/68).

Every township approval (including assist first) joins the county's sampling pool when it is
decided; county-level decisions and refusals do not. A drawn case is reviewed by a county
reviewer who did not act on it; a revocation stops further payments and recovers what was paid.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.sampling.conftest import decide, review_of
from tests.temporary_assistance.helpers import do, file_case, paperwork_waived
from workflows.core.driving import assign_task, open_tasks
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.funds.services import fund_verify
from workflows.sampling import services as sampling
from workflows.sampling.flows import SamplingReviewFlow
from workflows.sampling.models import ApprovalActor, ApprovalRecord, Recovery
from workflows.sampling.tasks import start_reviews
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import TemporaryAssistanceProcess


def excluded(record):
    return set(ApprovalActor.objects.filter(record=record).values_list("user_id", flat=True))


def draw_this_month(county):
    """Draw the current month as the beat task would on the 1st of next month, and start the reviews."""
    start, end = sampling.period_bounds("monthly", timezone.localdate())
    draw = sampling.draw_run(
        county=county, period_start=start, period_end=end, seed=7, today=end + datetime.timedelta(days=1),
        start_reviews=False,
    )  # fmt: skip
    start_reviews(draw.pk)
    return draw


def test_township_approval_joins_the_sampling_pool(region, case_worker_a, approver_a, household_a, fund_a):
    """TK 16 / MSL 20: a township approval of temporary assistance is registered in the county's pool
    the moment it is decided, with the amount paid, the rule versions and the filer and approver as
    excluded reviewers."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    record = ApprovalRecord.objects.get(process_id=process.pk)
    assert record.programme == "temporary_assistance" and record.case_number == process.case_number
    assert record.township_id == region.township_a.pk and record.approved_by == approver_a
    assert record.approved_on == timezone.localdate()
    assert record.one_off_amount == Decimal("1500.00") and record.monthly_amount is None
    assert record.rule_versions == {"temporary_assistance_rule": process.rule_id, "dibao_standard": process.standard_id}
    assert excluded(record) >= {case_worker_a.pk, approver_a.pk}


def test_refusal_and_county_decisions_are_not_township_approvals(
    region, case_worker_a, approver_a, county_officer, household_a, household_b, case_worker_b, fund_a
):
    """domain.md §7: the pool is township approvals only; a township refusal and a county approval
    (above the limit) are not registered."""
    refused = file_case(case_worker_a, household_a)
    do(refused, F.township_approve, approver_a, services.case_township_approve, approve=False, reason="存款足够")
    county = file_case(case_worker_b, household_b, requested_amount=Decimal("2500.00"))
    do(county, F.county_approve, county_officer, services.case_county_approve, approve=True, amount="2500")
    assert not ApprovalRecord.objects.exists()


def test_assist_first_joins_pool_and_paperwork_completer_is_excluded(
    region, case_worker_a, case_worker_a2, approver_a, household_a, fund_a
):
    """ZB20 15 / domain.md §1: an assist-first payment is a township approval (pooled at once); whoever
    later completes its paperwork is added to the people who may not review it."""
    process = file_case(case_worker_a, household_a, assist_first=True, requested_amount=Decimal("1000.00"))
    do(process, F.assist_first_pay, approver_a, services.case_assist_first_pay, amount="1000")
    record = ApprovalRecord.objects.get(process_id=process.pk)
    assert record.one_off_amount == Decimal("1000.00")
    assert case_worker_a2.pk not in excluded(record)
    do(process, F.complete_paperwork, case_worker_a2, services.case_complete_paperwork,
       **paperwork_waived(process))  # fmt: skip
    assert case_worker_a2.pk in excluded(record)


def test_staged_payments_and_reversals_keep_the_pooled_amount_equal_to_money_paid(
    region, case_worker_a, approver_a, household_a, fund_a
):
    """SAI 68: the pooled one-off amount follows the staged payments and reversals, so a revocation
    recovers what was actually paid."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    do(process, F.township_approve, approver_a, services.case_township_approve,
       approve=True, amount="1500", first_payment="500")  # fmt: skip
    record = ApprovalRecord.objects.get(process_id=process.pk)
    assert record.one_off_amount == Decimal("500.00")
    do(process, F.township_pay, approver_a, services.case_pay_installment, amount="700")
    payment = TemporaryAssistanceProcess.objects.get(pk=process.pk).payments.get(seq=2)
    services.payment_reverse(payment=payment, amount="200", reason="多发", actor=approver_a)
    record.refresh_from_db()
    assert record.one_off_amount == Decimal("1000.00")


def test_revocation_of_temporary_assistance_end_to_end(
    region, case_worker_a, approver_a, county_reviewer, household_a, fund_a, client_for
):
    """TK 16, SAI 66/68 end to end: a township approval paid in stages is drawn, the township approver
    (even holding the county reviewer role) cannot take its review (queue and URL), a colleague revokes
    it after reading the case file and its rule version, the recovery is the 800 paid so far, and the open staged payment is refused from then on."""
    assignment_grant(user=approver_a, role=Role.COUNTY_REVIEWER, region=region.county)
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    do(process, F.township_approve, approver_a, services.case_township_approve,
       approve=True, amount="1500", first_payment="800")  # fmt: skip
    record = ApprovalRecord.objects.get(process_id=process.pk)
    draw = draw_this_month(region.county)
    assert draw.cases.filter(record=record).exists()  # the only approval: ceil(30% × 1) = 1

    review = review_of(record)
    task = open_tasks(review, SamplingReviewFlow.review).get()
    client = client_for(approver_a)
    assert f"#{review.pk}/{task.pk}" not in client.get(reverse("cases:samplingreview:queue")).content.decode()
    assign_url = reverse(
        "cases:samplingreview:review:assign", kwargs={"process_pk": review.pk, "task_pk": task.pk}
    )  # fmt: skip
    assert client.post(assign_url).status_code == 403
    with pytest.raises(PermissionDenied):
        decide(review, approver_a, "revoked", note="隐瞒收入")

    assign_task(task, user=county_reviewer)
    execute_url = reverse(
        "cases:samplingreview:review:execute", kwargs={"process_pk": review.pk, "task_pk": task.pk}
    )  # fmt: skip
    page = client_for(county_reviewer).get(execute_url).content.decode()
    assert process.case_number in page and str(process.rule) in page  # the case file and its rule version
    decide(review, county_reviewer, "revoked", note="隐瞒家庭存款", today=timezone.localdate())
    recovery = Recovery.objects.get(record=record)
    assert recovery.amount == Decimal("800.00") and recovery.months == 0
    record.refresh_from_db()
    assert record.revoked

    with pytest.raises(ValidationError) as exc:
        do(process, F.township_pay, approver_a, services.case_pay_installment, amount="700")
    assert exc.value.code == "revoked"
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("9200.00")
    fund_verify(fund_a)


def test_admin_cannot_change_a_case_or_payment(region, case_worker_a, household_a, admin_client):
    """SAI 48: no admin path decides or pays a case (e.g. above the township limit): even a superuser
    gets 403 on the change and delete pages of cases and payments, and nothing changes."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("2500.00"))
    base = f"/admin/temporary_assistance/temporaryassistanceprocess/{process.pk}"
    assert admin_client.post(f"{base}/change/", {"tier": "township", "decision": "approved"}).status_code == 403
    assert admin_client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/temporary_assistance/payment/add/").status_code == 403
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.tier == "county" and process.decision == ""


def test_reviewer_sees_the_finance_check_of_a_spending_shock_case(
    region, case_worker_a, approver_a, county_reviewer, household_a, fund_a, client_for
):
    """domain.md §7 / MSL 17: the county reviewer of a drawn spending-shock approval sees the household
    finance check that informed it (found by the case reference "temporary_assistance:<pk>")."""
    from tests.factories import ConsentFactory
    from workflows.finance_check.models import FinanceCheckProcess
    from workflows.temporary_assistance.tasks import advance_after_finance_check

    for member in household_a.members.all():
        ConsentFactory(member=member)
    process = file_case(
        case_worker_a, household_a, kind="spending_shock", cause="medical_expense",
        requested_amount=Decimal("1200.00"),
    )  # fmt: skip
    check = FinanceCheckProcess.objects.get(case_ref=f"temporary_assistance:{process.pk}")
    assert check.case_number
    assert advance_after_finance_check(process.pk, check.case_number, "eligible") == "done"
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1200")
    record = ApprovalRecord.objects.get(process_id=process.pk)
    draw_this_month(region.county)
    review = review_of(record)
    task = open_tasks(review, SamplingReviewFlow.review).get()
    assign_task(task, user=county_reviewer)
    url = reverse("cases:samplingreview:review:execute", kwargs={"process_pk": review.pk, "task_pk": task.pk})
    page = client_for(county_reviewer).get(url).content.decode()
    assert check.case_number in page and "无核对记录" not in page

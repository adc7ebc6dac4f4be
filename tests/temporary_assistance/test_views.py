"""The node views call the same services: the start form files a case; the approval form cannot exceed the limit."""

import datetime
from decimal import Decimal

from django.utils import timezone

from tests.temporary_assistance.helpers import file_case
from workflows.core.driving import open_tasks
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import TemporaryAssistanceProcess


def test_start_form_files_a_case(region, case_worker_a, household_a, client_for):
    """TA18 2(1): the case worker's start form files an emergency request for a household of the township."""
    client = client_for(case_worker_a)
    url = "/staff/cases/temporaryassistance/start/"
    assert client.get(url).status_code == 200
    data = {
        "household": household_a.pk, "kind": "emergency", "cause": "fire",
        "event_date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "cause_detail": "房屋失火", "requested_amount": "1500.00", "_viewflow_activation-started": "",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    process = TemporaryAssistanceProcess.objects.get()
    assert process.tier == "township" and process.opened_by == case_worker_a


def test_approval_form_above_limit_shows_error_and_pays_nothing(
    region, case_worker_a, approver_a, household_a, fund_a, client_for
):
    """SAI 48: posting an amount above the township limit on the approval form is refused as a form
    error; the task stays open and the fund is untouched (no form path exceeds the limit)."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1800.00"))
    process.requested_amount = Decimal("2500.00")
    TemporaryAssistanceProcess.objects.filter(pk=process.pk).update(requested_amount=Decimal("2500.00"))
    task = open_tasks(process, F.township_approve).get()
    client = client_for(approver_a)
    base = f"/staff/cases/temporaryassistance/{process.pk}/township_approve/{task.pk}"
    client.post(f"{base}/assign/")
    url = f"{base}/execute/"
    response = client.post(url, {"approve": "1", "amount": "2500.00", "_viewflow_activation-started": ""})
    assert response.status_code == 200
    assert "超过乡镇审批限额" in response.text
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("10000.00")
    assert open_tasks(process, F.township_approve).exists()


def test_approval_without_an_amount_is_a_form_error_not_a_server_error(
    region, case_worker_a, approver_a, household_a, fund_a, client_for
):
    """An approval posted with the amount left blank (the field is optional because a refusal has
    none) is told as a translated form error: the task stays open, nothing is paid, no 500."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1200.00"))
    task = open_tasks(process, F.township_approve).get()
    client = client_for(approver_a)
    base = f"/staff/cases/temporaryassistance/{process.pk}/township_approve/{task.pk}"
    client.post(f"{base}/assign/")
    response = client.post(f"{base}/execute/", {"approve": "1", "amount": "", "_viewflow_activation-started": ""})
    assert response.status_code == 200
    assert "批准救助须填写批准金额" in response.text
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("10000.00")
    assert open_tasks(process, F.township_approve).exists()
    process.refresh_from_db()
    assert process.approved_amount is None

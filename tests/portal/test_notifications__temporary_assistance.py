"""Temporary-assistance notifications (issue 16 item 5): acceptance, decision and each
payment reach the applicant through the portal backend, after commit, once per stage and
round, with amounts in yuan and no personal data in the text or the logs."""

from __future__ import annotations

import logging
from decimal import Decimal

from tests.temporary_assistance.helpers import do, file_case
from workflows.portal.models import Notification
from workflows.portal.receivers import ta_stages_for
from workflows.temporary_assistance import services as ta_services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F

from .conftest import TA_ID, TA_PHONE


def _notes(process):
    return list(
        Notification.objects.filter(process_id=process.pk).order_by("pk").values_list("stage", "round", "status")
    )


def test_ta_acceptance_decision_and_payments_are_sent_after_commit(
    case_worker_a, approver_a, ta_household, ta_fund, sms, django_capture_on_commit_callbacks, caplog
):
    """Filing (已受理), the township's approval with a first payment, and the second payment:
    one SMS each to the household's phone, sent by Celery after commit; the texts carry the
    amounts with separators and never the ID number, the phone or the name; nor do the logs."""
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        process = file_case(case_worker_a, ta_household, requested_amount=Decimal("1500.00"))
    assert _notes(process) == [("ta_accepted", 1, "sent")]
    with django_capture_on_commit_callbacks(execute=True):
        process = do(
            process, F.township_approve, approver_a, ta_services.case_township_approve, approve=True,
            amount=Decimal("1500.00"), first_payment=Decimal("500.00"),
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        process = do(process, F.township_pay, approver_a, ta_services.case_pay_installment, amount=Decimal("1000.00"))
    assert _notes(process) == [
        ("ta_accepted", 1, "sent"), ("ta_decision", 1, "sent"), ("ta_payment", 1, "sent"), ("ta_payment", 2, "sent"),
    ]  # fmt: skip
    texts = [m["text"] for m in sms.sent]
    assert all(m["phone"] == TA_PHONE for m in sms.sent) and len(texts) == 4
    assert "受理" in texts[0] and "批准救助 1,500.00 元" in texts[1]
    assert "累计 500.00 元（批准 1,500.00 元）" in texts[2] and "累计 1,500.00 元" in texts[3]
    for text in texts + [r.getMessage() for r in caplog.records]:
        assert TA_ID not in text and TA_PHONE not in text and "孙大海" not in text


def test_ta_refusal_is_sent_without_the_reasons(ta_case, approver_a, sms, django_capture_on_commit_callbacks):
    """A refusal tells the decision and the right to appeal; the reasons stay behind the
    second factor (status page, letter), not in a text message."""
    with django_capture_on_commit_callbacks(execute=True):
        do(
            ta_case, F.township_approve, approver_a, ta_services.case_township_approve, approve=False,
            reason="家庭收入高于标准",
        )  # fmt: skip
    note = Notification.objects.get(process_id=ta_case.pk, stage="ta_decision")
    assert note.status == "sent" and "未批准" in note.body and "行政复议" in note.body
    assert "家庭收入高于标准" not in note.body
    assert not Notification.objects.filter(process_id=ta_case.pk, stage="ta_payment").exists()


def test_ta_assist_first_payment_is_told(
    case_worker_a, approver_a, ta_household, ta_fund, sms, django_capture_on_commit_callbacks
):
    """先行救助: the emergency payment is texted at once, asking for the paperwork."""
    process = file_case(case_worker_a, ta_household, requested_amount=Decimal("800.00"), assist_first=True)
    with django_capture_on_commit_callbacks(execute=True):
        do(process, F.assist_first_pay, approver_a, ta_services.case_assist_first_pay, amount=Decimal("800.00"))
    note = Notification.objects.get(process_id=process.pk, stage="ta_payment", round=1)
    assert "已先行发放" in note.body and "800.00 元" in note.body and "补办" in note.body


def test_ta_nothing_is_sent_before_commit(case_worker_a, ta_household, sms, django_capture_on_commit_callbacks):
    """The message is created in the filing's transaction; nothing leaves before it commits."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        process = file_case(case_worker_a, ta_household)
    assert Notification.objects.get(process_id=process.pk).status == "queued" and sms.sent == []
    for callback in callbacks:
        callback()
    assert Notification.objects.get(process_id=process.pk).status == "sent" and len(sms.sent) == 1


def test_ta_stage_mapping(ta_case):
    """Only the filing, the decisions and the payment steps notify; other nodes do not."""
    assert ta_stages_for("start", ta_case) == [("ta_accepted", 1)]
    assert ta_stages_for("complete_paperwork", ta_case) == []
    assert ta_stages_for("township_approve", ta_case) == [("ta_decision", 1)]  # undecided: no payment yet

"""Which finished node of the dibao / 特困 flows notifies the applicant.

| finished node      | stage                          | round            |
|--------------------|--------------------------------|------------------|
| ``accept``         | accepted (only once accepted)  | 1                |
| ``notify_missing`` | materials_missing              | 1                |
| ``post_notice``    | notice_posted                  | notice round     |
| ``approve``        | decision, then payment_start   | 1                |
| ``refuse``         | decision                       | 1                |
| sampling ``correction_ordered`` | correction | review pk × 100 + correction round |
| audit ``dibao.check_failure_notice`` (MSL 18) | check_failed | the check's id |

Temporary assistance (``TemporaryAssistanceFlow``):

| finished node                                  | stage                      | round        |
|------------------------------------------------|----------------------------|--------------|
| ``start``                                      | ta_accepted                | 1            |
| ``assist_first_pay``                           | ta_payment                 | payment seq  |
| ``township_approve`` / ``county_approve`` / ``case_by_case_decision`` | ta_decision, then ta_payment of the first payment | 1, seq |
| ``township_pay`` / ``county_pay``              | ta_payment                 | payment seq  |

The receivers run inside the transaction that finished the node; the
notifications are created there and sent by Celery after it commits.
"""

from __future__ import annotations

from django.db import transaction

from workflows.core import programmes
from workflows.core.flows import coerce

from .models import Notification

Stage = Notification.Stage


def stages_for(node_name: str, process) -> list[tuple[str, int]]:
    if node_name == "accept":
        return [(Stage.ACCEPTED, 1)] if process.accepted_on else []
    if node_name == "notify_missing":
        return [(Stage.MATERIALS_MISSING, 1)]
    if node_name == "post_notice":
        return [(Stage.NOTICE_POSTED, process.notice_round)]
    if node_name == "approve":
        return [(Stage.DECISION, 1), (Stage.PAYMENT_START, 1)]
    if node_name == "refuse":
        return [(Stage.DECISION, 1)]
    return []


TA_DECISION_NODES = {"township_approve", "county_approve", "case_by_case_decision"}
TA_PAYMENT_NODES = {"assist_first_pay", "township_pay", "county_pay"}


def ta_stages_for(node_name: str, process) -> list[tuple[str, int]]:
    def last_payment() -> list[tuple[str, int]]:
        seq = process.payments.order_by("-seq").values_list("seq", flat=True).first()
        return [(Stage.TA_PAYMENT, seq)] if seq else []

    if node_name == "start":
        return [(Stage.TA_ACCEPTED, 1)]
    if node_name in TA_DECISION_NODES:
        return [(Stage.TA_DECISION, 1), *(last_payment() if process.decision == "approved" else [])]
    if node_name in TA_PAYMENT_NODES:
        return last_payment()
    return []


def on_task_finished(sender, process, task, **kwargs) -> None:
    if sender in programmes.flows_of("temporary_assistance.TemporaryAssistanceProcess"):
        process = coerce(process)
        stages = ta_stages_for(task.flow_task.name, process)
    elif sender in programmes.flows_of("dibao.DibaoProcess"):
        process = coerce(process)
        stages = stages_for(task.flow_task.name, process)
    else:
        return
    if not stages:
        return
    from .services import notification_queue

    for stage, round_ in stages:
        notification_queue(process=process, stage=stage, round=round_)


def on_correction_ordered(sender, record, review, due_on, **kwargs) -> None:
    from workflows.dibao.models import DibaoProcess

    process = DibaoProcess.objects.filter(pk=record.process_id).first()
    if process is None:
        return
    from .services import notification_queue

    # one message per correction order: the review and its correction round
    round_ = review.pk * 100 + int(getattr(review, "correction_rounds", 1) or 1)
    notification_queue(process=process, stage=Stage.CORRECTION, round=round_, extra={"correction_due_on": due_on})


def on_audit_event(sender, event, **kwargs) -> None:
    """MSL 18: a failed data check told to the applicant (the dibao service's
    ``dibao.check_failure_notice`` event, written in the same transaction as the
    notice letter, both for the first check and for a re-check after an objection)
    is also sent as an SMS / e-mail. One message per check.

    Queued once that transaction commits: this runs inside ``audit_record``, before
    the audit chain's head moves on, so it may not write audit rows of its own here.
    """
    if event.action != "dibao.check_failure_notice" or not event.process_id:
        return
    process_id = event.process_id
    check_id = (event.data or {}).get("check_id")

    def queue() -> None:
        from workflows.dibao.models import DibaoProcess

        from .services import notification_queue

        process = DibaoProcess.objects.select_related("township", "household").filter(pk=process_id).first()
        if process is not None:
            notification_queue(process=process, stage=Stage.CHECK_FAILED, round=int(check_id or 1))

    # robust: a failure to queue the text must not undo or fail the committed check result
    transaction.on_commit(queue, robust=True)

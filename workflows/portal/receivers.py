"""Which finished node of the dibao / 特困 flows notifies the applicant.

| finished node      | stage                          | round            |
|--------------------|--------------------------------|------------------|
| ``accept``         | accepted (only once accepted)  | 1                |
| ``notify_missing`` | materials_missing              | 1                |
| ``post_notice``    | notice_posted                  | notice round     |
| ``approve``        | decision, then payment_start   | 1                |
| ``refuse``         | decision                       | 1                |
| sampling ``correction_ordered`` | correction | review pk × 100 + correction round |

The receivers run inside the transaction that finished the node; the
notifications are created there and sent by Celery after it commits.
"""

from __future__ import annotations

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


def on_task_finished(sender, process, task, **kwargs) -> None:
    from workflows.dibao.flows import DibaoFlow, TekunFlow

    if sender not in (DibaoFlow, TekunFlow):
        return
    process = coerce(process)
    stages = stages_for(task.flow_task.name, process)
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

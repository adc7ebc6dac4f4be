"""Notifications at each stage (issue 9 §4): queued in the stage's transaction,
sent by Celery after commit, once per stage and round, in the applicant's language."""

from __future__ import annotations

from django.core import mail

from tests.dibao.conftest import accept, home_visit, pass_notice, propose, sign_all
from workflows.dibao import services as dibao_services
from workflows.portal import services
from workflows.portal.models import Notification
from workflows.portal.receivers import stages_for

from .conftest import APPLICANT_ID, application


def test_acceptance_sends_sms_after_commit(region, online_case, case_worker_a, sms, fake_finance_check):
    """Accepting the case queues the "accepted" SMS; Celery sends it after commit
    to the registered phone, with no ID number in the text (MSL 10, 22)."""
    accept(online_case, case_worker_a)
    note = Notification.objects.get(process_id=online_case.pk, stage="accepted")
    assert note.status == Notification.Status.SENT and note.sent_at is not None
    assert note.recipient_masked == "139****5678"
    assert len(sms.sent) == 1 and online_case.case_number in sms.sent[0]["text"]
    assert APPLICANT_ID not in note.body and "受理" in note.body


def test_missing_materials_notice_lists_items(region, online_case, case_worker_a, sms):
    """The one-time missing-materials notice reaches the applicant with every item (MSL 10)."""
    accept(online_case, case_worker_a, missing=["income_proof", "id_cards"])
    note = Notification.objects.get(process_id=online_case.pk, stage="materials_missing")
    assert "收入情况证明" in note.body and "户口簿" in note.body
    assert not Notification.objects.filter(process_id=online_case.pk, stage="accepted").exists()


def test_queue_is_idempotent_per_stage_and_round(region, online_case, django_capture_on_commit_callbacks, sms):
    """Queueing the same stage and round twice creates and sends one message."""
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notification_queue(process=online_case, stage="decision", round=1)
        second = services.notification_queue(process=online_case, stage="decision", round=1)
    assert len(first) == 1 and second == []
    assert Notification.objects.filter(process_id=online_case.pk, stage="decision").count() == 1
    assert len(sms.sent) == 1
    assert services.notification_send(notification_pk=first[0].pk) == "skipped"


def test_english_and_email_when_chosen(region, django_capture_on_commit_callbacks, sms):
    """An applicant who chose English and gave an e-mail gets both, in English."""
    process = services.application_submit_online(
        programme="dibao", application=application(region.village_a), language="en", email="zhao@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_queue(process=process, stage="accepted")
    assert {n.channel for n in Notification.objects.filter(process_id=process.pk)} == {"sms", "email"}
    assert sms.sent[0]["text"].startswith("[Social assistance]")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhao@example.org"]


def test_approval_path_notifies_notice_decision_and_payment(
    region, online_case, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """Accepted, notice posted (round 1), decision and payment start: one message each (MSL 19, 21)."""
    process = accept(online_case, case_worker_a)
    process = fake_finance_check.finish(process)
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    with django_capture_on_commit_callbacks(execute=True):
        process = propose(process, case_worker_a)
        process = pass_notice(process, monkeypatch)
        process = sign_all(process, case_worker_a, approver_a, approver_a2)
    stages = list(
        Notification.objects.filter(process_id=process.pk).order_by("pk").values_list("stage", "round", "status")
    )
    assert stages == [
        ("accepted", 1, "sent"), ("notice_posted", 1, "sent"), ("decision", 1, "sent"), ("payment_start", 1, "sent"),
    ]  # fmt: skip
    assert "确认享受" in Notification.objects.get(process_id=process.pk, stage="decision").body


def test_stage_mapping():
    """Only the documented nodes notify; acceptance only once actually accepted."""

    class P:
        accepted_on = None
        notice_round = 2

    assert stages_for("accept", P()) == []
    assert stages_for("post_notice", P()) == [("notice_posted", 2)]
    assert stages_for("home_visit", P()) == []
    assert [s for s, _ in stages_for("approve", P())] == ["decision", "payment_start"]
    assert dibao_services.MATERIALS  # the labels the notice uses exist


def test_nothing_is_sent_before_commit_nor_after_a_rollback(
    region, online_case, django_capture_on_commit_callbacks, sms
):
    """The message is queued inside the stage's transaction and sent only once it
    commits; a stage whose transaction rolls back leaves neither a row nor a message."""
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notification_queue(process=online_case, stage="decision")
    assert Notification.objects.get(process_id=online_case.pk, stage="decision").status == "queued"
    assert sms.sent == [] and len(callbacks) == 1
    callbacks[0]()  # the commit: Celery (eager here) sends it
    assert len(sms.sent) == 1
    assert Notification.objects.get(process_id=online_case.pk, stage="decision").status == "sent"

    class Abort(Exception):
        pass

    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            services.notification_queue(process=online_case, stage="payment_start")
            raise Abort
    except Abort:
        pass
    assert not Notification.objects.filter(process_id=online_case.pk, stage="payment_start").exists()
    assert len(sms.sent) == 1


def test_correction_ordered_by_sampling_notifies_once_per_order(
    region, online_case, django_capture_on_commit_callbacks, sms
):
    """The sampling review's ``correction_ordered`` signal queues the "correction" message
    with the township's deadline (one per review and correction round)."""
    import datetime
    from types import SimpleNamespace

    from workflows.sampling.models import SamplingReviewProcess
    from workflows.sampling.signals import correction_ordered

    record = SimpleNamespace(process_id=online_case.pk)
    review = SimpleNamespace(pk=7, correction_rounds=1)
    due_on = datetime.date(2026, 3, 16)
    with django_capture_on_commit_callbacks(execute=True):
        correction_ordered.send(sender=SamplingReviewProcess, record=record, review=review, due_on=due_on)
        correction_ordered.send(sender=SamplingReviewProcess, record=record, review=review, due_on=due_on)
    note = Notification.objects.get(process_id=online_case.pk, stage="correction")
    assert note.round == 701 and note.status == "sent"
    assert "2026年3月16日" in note.body and online_case.case_number in note.body
    assert len(sms.sent) == 1 and APPLICANT_ID not in sms.sent[0]["text"]

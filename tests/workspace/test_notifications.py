"""Staff notifications (issue 14 item 4): a task urged (催办) or transferred (转办) to me, a new
task in my queue — in the workspace (badge, 消息 page) and by e-mail, each channel with a
per-user opt-out; sent only once the action commits."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from tests.dibao import conftest as d
from tests.workspace.test_task_actions import _at_section_chief, _overdue, _proposed
from workflows.core.driving import assign_task, open_tasks
from workflows.core.task_actions import task_transfer
from workflows.dibao import services as dibao_services
from workflows.workspace import services as ws
from workflows.workspace.models import Notification, NotificationSettings


def _visited(region, worker, worker2, fake_finance_check):
    """A dibao case past its home visit: the proposal is next (``_proposed`` without its last step)."""
    process = d.accept(d.file_case(worker, region.village_a), worker)
    process = fake_finance_check.finish(process)
    process = d.home_visit(process, worker, worker, worker2)
    Notification.objects.all().delete()  # those of the earlier steps' tasks
    return process


def _propose(process, worker):
    """The refusal proposal, its after-commit callbacks left to the caller (``d.propose`` runs them)."""
    return d.do(process, "propose", worker, dibao_services.dibao_propose, approve=False, note="不符合")


@pytest.fixture
def emails(case_worker_a, case_worker_a2, approver_a, approver_a2):
    for user in (case_worker_a, case_worker_a2, approver_a, approver_a2):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


def test_urge_notifies_the_holder_in_app_and_by_mail(
    region, case_worker_a, case_worker_a2, approver_a, fake_finance_check, emails, django_capture_on_commit_callbacks
):
    """The holder of an urged task gets a 催办 message and an e-mail, after the commit."""
    process = _proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    sign = d.task_of(process, "sign_handler")
    assign_task(sign, user=case_worker_a2)
    _overdue(process)
    Notification.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ws.task_urge(task_pk=sign.pk, actor=approver_a)
        assert not Notification.objects.exists()  # nothing before the commit
    assert callbacks
    [note] = Notification.objects.all()
    assert (note.user_id, note.kind, note.actor_id, note.case_number) == (
        case_worker_a2.pk,
        Notification.Kind.URGED,
        approver_a.pk,
        process.case_number,
    )
    assert [m.to for m in mail.outbox] == [[case_worker_a2.email]]
    assert process.case_number in mail.outbox[0].subject


def test_opt_out_of_each_channel(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, emails,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """A transfer to a colleague who opted out of e-mail: in-app only; out of both: nothing."""
    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    task = d.task_of(process, "sign_section_chief")
    assign_task(task, user=approver_a)
    NotificationSettings.objects.create(user=approver_a2, in_app=True, email=False)
    Notification.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        task_transfer(task_pk=task.pk, target_pk=approver_a2.pk, reason="出差", actor=approver_a)
    [note] = Notification.objects.all()
    assert note.user_id == approver_a2.pk and note.kind == Notification.Kind.TRANSFERRED and note.note == "出差"
    assert mail.outbox == []

    NotificationSettings.objects.filter(user=approver_a2).update(in_app=False)
    NotificationSettings.objects.create(user=approver_a, in_app=False, email=False)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        task_transfer(task_pk=task.pk, target_pk=approver_a.pk, reason="回来了", actor=approver_a2)
    assert not Notification.objects.exists() and mail.outbox == []


def test_new_task_in_the_queue_notifies_who_may_claim_it(
    region, case_worker_a, case_worker_a2, approver_a, case_worker_b, fake_finance_check,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """A new signature task: the township's case workers (the node's role and region) are told;
    not the approver (other role), not another township's worker. Told once the step commits."""
    process = _visited(region, case_worker_a, case_worker_a2, fake_finance_check)
    with django_capture_on_commit_callbacks(execute=True):
        process = _propose(process, case_worker_a)
        sign = d.task_of(process, "sign_handler")
        assert not Notification.objects.filter(task_id=sign.pk).exists()  # nothing before the commit
    users = set(
        Notification.objects.filter(kind=Notification.Kind.NEW_TASK, task_id=sign.pk).values_list("user_id", flat=True)
    )
    assert users == {case_worker_a.pk, case_worker_a2.pk}
    # the approver's signature after it: the approvers, not the case workers
    with django_capture_on_commit_callbacks(execute=True):
        process = d.do(
            process, "sign_handler", case_worker_a, dibao_services.decision_sign, role="handler", opinion="同意"
        )
    chief = d.task_of(process, "sign_section_chief")
    users = set(Notification.objects.filter(task_id=chief.pk).values_list("user_id", flat=True))
    assert users == {approver_a.pk}


def test_a_rolled_back_step_notifies_nobody(
    region, case_worker_a, case_worker_a2, fake_finance_check, django_capture_on_commit_callbacks
):
    """The step that made the new task rolled back (here its savepoint): nobody is told of a
    task that never existed, although the commit of the enclosing transaction comes."""
    process = _visited(region, case_worker_a, case_worker_a2, fake_finance_check)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        _propose(process, case_worker_a)
        assert d.task_of(process, "sign_handler")  # made, then undone
        raise RuntimeError("the request failed after the step")
    assert not Notification.objects.filter(kind=Notification.Kind.NEW_TASK).exists()
    assert not open_tasks(process, process.flow_class.sign_handler).exists()


def test_a_failing_notification_never_reaches_the_step(
    region, case_worker_a, case_worker_a2, fake_finance_check, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """The holder query failing after the commit is logged; the step stands, nobody is told."""
    from workflows.workspace import notifications

    def broken(task):
        raise RuntimeError("holders unavailable")

    monkeypatch.setattr(notifications, "queue_holders", broken)
    process = _visited(region, case_worker_a, case_worker_a2, fake_finance_check)
    with django_capture_on_commit_callbacks(execute=True):
        process = _propose(process, case_worker_a)
    sign = d.task_of(process, "sign_handler")
    assert not Notification.objects.filter(kind=Notification.Kind.NEW_TASK).exists()
    assert f"new-task notification for task {sign.pk} failed" in caplog.text


def test_badge_list_and_mark_read(
    region, case_worker_a, case_worker_a2, approver_a, fake_finance_check, client_for, django_assert_num_queries
):
    """The nav shows the unread count at a constant cost; the list shows them; following one
    marks it read and opens its case; another user's message is 404; 全部标为已读."""
    process = _proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    Notification.objects.all().delete()
    mine = Notification.objects.create(
        user=case_worker_a2, kind=Notification.Kind.URGED, process=process, case_number=process.case_number,
        step_title="经办人签字", actor=approver_a,
    )  # fmt: skip
    other = Notification.objects.create(user=approver_a, kind=Notification.Kind.URGED, process=process)
    client = client_for(case_worker_a2)
    url = "/workspace/archive/"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url).content.decode()
    assert 'id="ws-count-unread">1<' in body
    Notification.objects.bulk_create(
        [Notification(user=case_worker_a2, kind=Notification.Kind.NEW_TASK, process=process) for _ in range(40)]
    )
    with django_assert_num_queries(len(ctx.captured_queries)):
        body = client.get(url).content.decode()
    assert 'id="ws-count-unread">41<' in body
    Notification.objects.filter(kind=Notification.Kind.NEW_TASK).delete()

    page = client.get("/workspace/notifications/").content.decode()
    assert process.case_number in page and "经办人签字" in page and "催办" in page
    response = client.post("/workspace/notifications/read/", {"pk": mine.pk})
    assert response.status_code == 302 and response["Location"] == f"/workspace/case/{process.pk}/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post("/workspace/notifications/read/", {"pk": other.pk}).status_code == 404
    assert client.post("/workspace/notifications/read/", {"pk": "x"}).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    client.post("/workspace/notifications/read/")
    assert not Notification.objects.filter(user=case_worker_a2, read_at__isnull=True).exists()
    assert 'id="ws-count-unread"' not in client.get(url).content.decode()


def test_settings_form_saves_the_opt_out(region, case_worker_a, client_for):
    """The 消息 page's settings: switching e-mail off is saved for me only."""
    client = client_for(case_worker_a)
    client.post("/workspace/notifications/", {"in_app": "on"})
    assert NotificationSettings.objects.get(user=case_worker_a).email is False
    assert NotificationSettings.objects.count() == 1


def test_an_overdue_alert_notifies_the_task_holders(
    region, case_worker_a, case_worker_a2, fake_finance_check, django_capture_on_commit_callbacks
):
    """MSL 22: when the case's overdue alert is raised, the holder of its open task is told
    (once: the alert is unique per case, kind and due date)."""
    import datetime

    from workflows.dibao.models import OverdueAlert

    process = _proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    assign_task(d.task_of(process, "sign_handler"), user=case_worker_a2)
    Notification.objects.all().delete()
    today = datetime.date.today()
    with django_capture_on_commit_callbacks(execute=True):
        OverdueAlert.objects.create(
            process=process, township=region.township_a, due_on=today - datetime.timedelta(days=2),
            raised_on=today, working_days_overdue=2,
        )  # fmt: skip
    [note] = Notification.objects.all()
    assert (note.user_id, note.kind) == (case_worker_a2.pk, Notification.Kind.OVERDUE)

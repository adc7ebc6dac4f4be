"""撤回 (withdraw), 转办 (transfer) and 催办 (urge): the approval actions township offices
expect, as engine services with separation of duties (domain.md §1; MSL 11, 21) and
audit events shown in the case history."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from viewflow.workflow.status import STATUS

from tests.dibao import conftest as d
from workflows.core import events as audit_events
from workflows.core.driving import assign_task
from workflows.core.models import AuditEvent
from workflows.core.task_actions import (
    ERR_TRANSFER_NOT_HOLDER,
    ERR_TRANSFER_REASON,
    ERR_TRANSFER_TARGET,
    ERR_WITHDRAW_DENIED,
    task_transfer,
    task_withdraw,
    transfer_candidates,
    withdrawable_by,
)
from workflows.dibao import services as dibao_services
from workflows.dibao.models import DibaoProcess
from workflows.workspace import services as ws
from workflows.workspace.models import CaseIndex
from workflows.workspace.selectors import _task_url


def _proposed(region, worker, worker2, fake_finance_check):
    """A dibao case: refusal proposed by ``worker``; the handler's signature is NEW."""
    process = d.file_case(worker, region.village_a)
    process = d.accept(process, worker)
    process = fake_finance_check.finish(process)
    process = d.home_visit(process, worker, worker, worker2)
    return d.propose(process, worker, approve=False)


def _events(process, action):
    return list(AuditEvent.objects.filter(chain=f"case:{process.pk}", action=action).order_by("seq"))


def _overdue(process, days=3):
    """The case's deadline passed ``days`` ago (the read model the lists and 催办 use)."""
    CaseIndex.objects.filter(process_id=process.pk).update(
        due_on=datetime.date.today() - datetime.timedelta(days=days), decided_on=None
    )


def test_new_actions_are_labelled():
    """Every new audit action has a label for the case history."""
    for action in ("task.withdrawn", "task.transferred", "task.urged"):
        assert action in audit_events.REGISTRY


# --- 撤回 ----------------------------------------------------------------------------


def test_withdraw_before_the_next_step_is_claimed(region, case_worker_a, case_worker_a2, fake_finance_check):
    """The proposer withdraws the opinion while the handler's signature is unclaimed: that task
    is cancelled, the opinion is theirs again, and resubmitting leads on as before."""
    process = _proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    sign = d.task_of(process, "sign_handler")
    assert sign.status == STATUS.NEW
    assert sign.pk in withdrawable_by(process.pk, case_worker_a)

    redo = task_withdraw(task_pk=sign.pk, actor=case_worker_a)
    sign.refresh_from_db()
    assert sign.status == STATUS.CANCELED
    assert redo.flow_task.name == "propose" and redo.status == STATUS.ASSIGNED and redo.owner_id == case_worker_a.pk
    [event] = _events(process, "task.withdrawn")
    assert event.actor_id == case_worker_a.pk and event.changes == {"node": ["sign_handler", "propose"]}

    process = d.propose(process, case_worker_a, approve=False)
    assert d.task_of(process, "sign_handler").status == STATUS.NEW


def test_withdraw_refusals(region, case_worker_a, case_worker_a2, approver_a, fake_finance_check):
    """Only the sender, only while the next task is unclaimed, and not past a system step
    (the check request after acceptance); nothing changes when refused."""
    process = d.file_case(case_worker_a, region.village_a)
    process = d.accept(process, case_worker_a)
    # acceptance → If → 提请核对 (a system step with effects) → ...: nothing to withdraw
    assert withdrawable_by(process.pk, case_worker_a) == {}
    process = fake_finance_check.finish(process)
    process = d.home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = d.propose(process, case_worker_a, approve=False)
    sign = d.task_of(process, "sign_handler")

    for intruder in (case_worker_a2, approver_a):  # not the sender
        with pytest.raises(ValidationError) as exc:
            task_withdraw(task_pk=sign.pk, actor=intruder)
        assert exc.value.messages == [str(ERR_WITHDRAW_DENIED)]

    assign_task(sign, user=case_worker_a2)  # claimed: too late
    with pytest.raises(ValidationError) as exc:
        task_withdraw(task_pk=sign.pk, actor=case_worker_a)
    assert exc.value.messages == [str(ERR_WITHDRAW_DENIED)]
    sign.refresh_from_db()
    assert sign.status == STATUS.ASSIGNED and not _events(process, "task.withdrawn")


def test_withdraw_from_the_case_page(region, case_worker_a, case_worker_a2, fake_finance_check, client_for):
    """The case page offers 撤回 to the sender only; another township's worker gets 404."""
    process = _proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    sign = d.task_of(process, "sign_handler")
    page = client_for(case_worker_a2).get(f"/workspace/case/{process.pk}/").content.decode()
    assert 'action="/workspace/withdraw/"' not in page

    client = client_for(case_worker_a)
    page = client.get(f"/workspace/case/{process.pk}/").content.decode()
    assert 'action="/workspace/withdraw/"' in page and "撤回" in page
    response = client.post("/workspace/withdraw/", {"task": sign.pk}, follow=True)
    assert "已撤回" in response.content.decode()
    assert d.task_of(process, "propose").owner_id == case_worker_a.pk
    history = client.get(reverse("history:case", args=[process.pk])).content.decode()
    assert "撤回" in history


def test_withdraw_view_out_of_region(
    region, case_worker_a, case_worker_a2, case_worker_b, fake_finance_check, client_for
):
    """Wrong township: 404, nothing withdrawn."""
    process = _proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    sign = d.task_of(process, "sign_handler")
    assert client_for(case_worker_b).post("/workspace/withdraw/", {"task": sign.pk}).status_code == 404
    sign.refresh_from_db()
    assert sign.status == STATUS.NEW


# --- 转办 ----------------------------------------------------------------------------


def _at_section_chief(region, worker, worker2, fake_finance_check):
    process = _proposed(region, worker, worker2, fake_finance_check)
    return d.do(process, "sign_handler", worker, dibao_services.decision_sign, role="handler", opinion="同意")


def test_transfer_to_a_colleague(region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check):
    """The section chief hands the claimed signature to the other approver with a reason."""
    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    task = d.task_of(process, "sign_section_chief")
    assign_task(task, user=approver_a)
    assert [u.pk for u in transfer_candidates(task)] == [approver_a2.pk]  # not the holder, not case workers

    task_transfer(task_pk=task.pk, target_pk=approver_a2.pk, reason="本人出差，请代为签字", actor=approver_a)
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner_id == approver_a2.pk
    [event] = _events(process, "task.transferred")
    assert event.changes == {"owner": [approver_a.pk, approver_a2.pk]}
    assert event.data["reason"] == "本人出差，请代为签字"


def test_transfer_refusals(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, approver_b, fake_finance_check
):
    """Not the holder, no reason, another township's approver, a case worker (wrong role):
    refused, the task keeps its holder."""
    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    task = d.task_of(process, "sign_section_chief")
    with pytest.raises(ValidationError) as exc:  # unclaimed: no holder
        task_transfer(task_pk=task.pk, target_pk=approver_a2.pk, reason="x", actor=approver_a)
    assert exc.value.messages == [str(ERR_TRANSFER_NOT_HOLDER)]
    assign_task(task, user=approver_a)
    with pytest.raises(ValidationError) as exc:
        task_transfer(task_pk=task.pk, target_pk=approver_a.pk, reason="x", actor=approver_a2)
    assert exc.value.messages == [str(ERR_TRANSFER_NOT_HOLDER)]
    with pytest.raises(ValidationError) as exc:
        task_transfer(task_pk=task.pk, target_pk=approver_a2.pk, reason=" ", actor=approver_a)
    assert exc.value.messages == [str(ERR_TRANSFER_REASON)]
    for target in (approver_b, case_worker_a2):
        with pytest.raises(ValidationError) as exc:
            task_transfer(task_pk=task.pk, target_pk=target.pk, reason="x", actor=approver_a)
        assert exc.value.messages == [str(ERR_TRANSFER_TARGET)]
    task.refresh_from_db()
    assert task.owner_id == approver_a.pk and task.status == STATUS.ASSIGNED
    assert not _events(process, "task.transferred")


def test_transfer_to_an_excluded_colleague_is_refused(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check
):
    """MSL 21 / separation of duties: the township head's signature cannot be transferred to
    the approver who signed as section chief (the process's separation rules)."""
    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    process = d.do(
        process, "sign_section_chief", approver_a, dibao_services.decision_sign, role="section_chief", opinion="同意"
    )
    head = d.task_of(process, "sign_township_head")
    assign_task(head, user=approver_a2)
    assert transfer_candidates(head) == []
    with pytest.raises(ValidationError) as exc:
        task_transfer(task_pk=head.pk, target_pk=approver_a.pk, reason="请代签", actor=approver_a2)
    assert exc.value.messages == [str(ERR_TRANSFER_TARGET)]
    head.refresh_from_db()
    assert head.owner_id == approver_a2.pk


def test_transfer_from_the_task_page(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, client_for
):
    """The task form page and the case page carry the transfer form; posting it moves the task
    into the colleague's 我的待办."""
    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    task = d.task_of(process, "sign_section_chief")
    assign_task(task, user=approver_a)
    client = client_for(approver_a)
    task_page = client.get(_task_url(task, "execute"))
    assert task_page.status_code == 200
    assert 'action="/workspace/transfer/"' in task_page.content.decode()
    assert 'action="/workspace/transfer/"' in client.get(f"/workspace/case/{process.pk}/").content.decode()
    response = client.post(
        "/workspace/transfer/", {"task": task.pk, "target": approver_a2.pk, "reason": "出差"}, follow=True
    )
    assert "已转办" in response.content.decode()
    inbox = client_for(approver_a2).get("/workspace/inbox/").content.decode()
    assert process.case_number in inbox


# --- 催办 ----------------------------------------------------------------------------


def test_urge_an_overdue_task(
    region, case_worker_a, case_worker_a2, approver_a, county_officer, fake_finance_check, client_for
):
    """MSL 11 (deadlines): the township approver, and the county officer, urge an overdue
    task: audited, counted on the task, shown on the case page and the holder's task page."""
    process = _proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    sign = d.task_of(process, "sign_handler")
    assign_task(sign, user=case_worker_a2)
    _overdue(process)
    ws.task_urge(task_pk=sign.pk, actor=approver_a)
    ws.task_urge(task_pk=sign.pk, actor=county_officer, note="请本周内办结")
    sign.refresh_from_db()
    assert sign.data["urged"]["count"] == 2
    events = _events(process, "task.urged")
    assert [e.actor_id for e in events] == [approver_a.pk, county_officer.pk]
    assert events[1].data["owner"] == case_worker_a2.pk
    page = client_for(case_worker_a2).get(f"/workspace/case/{process.pk}/").content.decode()
    assert "已催办 2 次" in page


def test_urge_refusals(region, case_worker_a, case_worker_a2, approver_a, approver_b, fake_finance_check, client_for):
    """Wrong role (a case worker), wrong township (404 / unknown task), not overdue: refused."""
    process = _proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    sign = d.task_of(process, "sign_handler")
    with pytest.raises(ValidationError) as exc:  # the deadline has not passed
        ws.task_urge(task_pk=sign.pk, actor=approver_a)
    assert exc.value.messages == [str(ws.ERR_URGE_NOT_OVERDUE)]
    _overdue(process)
    with pytest.raises(ValidationError) as exc:
        ws.task_urge(task_pk=sign.pk, actor=case_worker_a2)
    assert exc.value.messages == [str(ws.ERR_URGE_NOT_SUPERVISOR)]
    with pytest.raises(ValidationError) as exc:
        ws.task_urge(task_pk=sign.pk, actor=approver_b)
    assert exc.value.messages == [str(ws.ERR_TASK_UNKNOWN)]
    assert client_for(approver_b).post("/workspace/urge/", {"task": sign.pk}).status_code == 404
    sign.refresh_from_db()
    assert "urged" not in (sign.data or {}) and not _events(process, "task.urged")


def test_urge_from_the_team_list_with_htmx(
    region, case_worker_a, case_worker_a2, approver_a, fake_finance_check, client_for
):
    """The team list's 催办 button answers in place under htmx."""
    process = _proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    sign = d.task_of(process, "sign_handler")
    _overdue(process)
    client = client_for(approver_a)
    assert 'formaction="/workspace/urge/"' in client.get("/workspace/team/").content.decode()
    response = client.post("/workspace/urge/", {"task": sign.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已催办" in response.content.decode()
    assert DibaoProcess.objects.get(pk=process.pk)  # the case is untouched otherwise
    assert len(_events(process, "task.urged")) == 1

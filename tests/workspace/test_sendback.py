"""退回 + 直达: an approver sends a case back to the case worker's opinion; on
resubmission it returns straight to the approver's step (no second notice, no
repeated signatures). Separation of duties still applies (MSL 11, 21)."""

from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from tests.dibao import conftest as d
from workflows.core.driving import assign_task, open_tasks
from workflows.core.models import AuditEvent, SendBack
from workflows.core.sendback import (
    ERR_SEND_BACK_NOT_YOURS,
    ERR_SEND_BACK_REASON,
    ERR_SEND_BACK_TARGET,
    case_send_back,
    direct_return_node,
)
from workflows.dibao import services as dibao_services


def _at_section_chief(region, worker, worker2, fake_finance_check):
    """A dibao case, refusal proposed and signed by the handler, at the section chief."""
    process = d.file_case(worker, region.village_a)
    process = d.accept(process, worker)
    process = fake_finance_check.finish(process)
    process = d.home_visit(process, worker, worker, worker2)
    process = d.propose(process, worker, approve=False)
    return d.do(process, "sign_handler", worker, dibao_services.decision_sign, role="handler", opinion="同意")


def test_send_back_and_direct_return(region, case_worker_a, case_worker_a2, approver_a, fake_finance_check):
    """The section chief sends back to the opinion; the proposer gets it back; after the new
    opinion the case goes straight to the section chief (handler's signature not repeated)."""
    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    chief_task = d.task_of(process, "sign_section_chief")
    assign_task(chief_task, user=approver_a)
    send_back = case_send_back(task=chief_task, to_node="propose", reason="收入计算有误，请复核。", actor=approver_a)
    chief_task.refresh_from_db()
    assert chief_task.status == STATUS.CANCELED
    redo = d.task_of(process, "propose")
    assert redo.status == STATUS.ASSIGNED and redo.owner_id == case_worker_a.pk
    assert send_back.state == SendBack.State.OPEN
    assert AuditEvent.objects.filter(chain=f"case:{process.pk}", action="case.sent_back").exists()

    process = d.propose(process, case_worker_a, approve=False)
    send_back.refresh_from_db()
    assert send_back.state == SendBack.State.RETURNED
    again = d.task_of(process, "sign_section_chief")
    assert again.status == STATUS.NEW
    assert not open_tasks(process, process.flow_class.sign_handler).exists()
    assert [t.flow_task.name for t in process.task_set.filter(flow_task=process.flow_class.sign_handler)] == [
        "sign_handler"
    ]  # signed once only
    assert direct_return_node(process) is None
    # and the case then finishes normally
    process = d.do(
        process, "sign_section_chief", approver_a, dibao_services.decision_sign, role="section_chief", opinion="同意"
    )
    assert d.task_of(process, "sign_township_head").status in (STATUS.NEW, STATUS.ASSIGNED)


def test_send_back_refusals(region, case_worker_a, case_worker_a2, approver_a, approver_b, fake_finance_check):
    """Not your task, no reason, or a step the node may not send back to: refused, nothing changes."""
    from django.core.exceptions import ValidationError

    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    chief_task = d.task_of(process, "sign_section_chief")
    with pytest.raises(ValidationError) as exc:
        case_send_back(task=chief_task, to_node="propose", reason="x", actor=approver_a)  # not claimed
    assert exc.value.messages == [str(ERR_SEND_BACK_NOT_YOURS)]
    assign_task(chief_task, user=approver_a)
    with pytest.raises(ValidationError) as exc:
        case_send_back(task=chief_task, to_node="propose", reason="  ", actor=approver_a)
    assert exc.value.messages == [str(ERR_SEND_BACK_REASON)]
    with pytest.raises(ValidationError) as exc:
        case_send_back(task=chief_task, to_node="accept", reason="x", actor=approver_a)
    assert exc.value.messages == [str(ERR_SEND_BACK_TARGET)]
    chief_task.refresh_from_db()
    assert chief_task.status == STATUS.ASSIGNED and not SendBack.objects.exists()


def test_send_back_from_the_case_page(
    region, case_worker_a, case_worker_a2, approver_a, fake_finance_check, client_for
):
    """The case workspace shows the send-back form on the approver's task and posts it."""
    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    chief_task = d.task_of(process, "sign_section_chief")
    assign_task(chief_task, user=approver_a)
    client = client_for(approver_a)
    response = client.get(f"/workspace/case/{process.pk}/")
    assert response.context["mine"][0]["form"] is not None  # the signature form itself, inline
    page = response.content.decode()
    assert "退回（重新提交后回到本环节）" in page and 'name="opinion"' in page
    response = client.post(
        "/workspace/send-back/", {"task": chief_task.pk, "to_node": "propose", "reason": "复核收入"}, follow=True
    )
    assert "已退回" in response.content.decode()
    assert SendBack.objects.get(process_id=process.pk).to_node == "propose"


def test_no_direct_return_past_a_required_notice(region, case_worker_a, case_worker_a2, approver_a, fake_finance_check):
    """MSL 19: if the new opinion proposes approval on a case never posted, the case goes to
    the public notice, not straight back to the section chief."""
    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    chief_task = d.task_of(process, "sign_section_chief")
    assign_task(chief_task, user=approver_a)
    case_send_back(task=chief_task, to_node="propose", reason="应予保障，请重新提出意见", actor=approver_a)
    process = d.propose(process, case_worker_a, approve=True)
    assert process.notice_round == 1
    assert not open_tasks(process, process.flow_class.sign_section_chief).exists()


@pytest.mark.parametrize("flow_name", ["DibaoFlow", "TekunFlow"])
def test_declared_targets_are_earlier_human_steps(flow_name):
    """The flow declares its send-back targets (``send_back_targets``): each names a human
    node of that flow from which the declaring node can be reached again (an earlier step)."""
    from workflows.core.sendback import declared_targets
    from workflows.dibao import flows

    flow_class = getattr(flows, flow_name).instance
    declared = declared_targets(flow_class)
    assert declared  # dibao and 特困 do declare them

    def reachable(start):
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for edge in node._outgoing():
                if edge.dst not in seen:
                    seen.add(edge.dst)
                    todo.append(edge.dst)
        return {n.name for n in seen}

    for source, targets in declared.items():
        assert flow_class.node(source).task_type == "HUMAN"
        for target in targets:
            node = flow_class.node(target)
            assert node.task_type == "HUMAN", target
            assert source in reachable(node), (target, source)


def test_send_back_between_signatures_returns_in_order(
    region, case_worker_a, case_worker_a2, approver_a, fake_finance_check
):
    """MSL 21 (signatures in turn): the section chief sends back to the handler's signature;
    the handler re-signs and the case comes back to the section chief through the graph."""
    process = _at_section_chief(region, case_worker_a, case_worker_a2, fake_finance_check)
    chief_task = d.task_of(process, "sign_section_chief")
    assign_task(chief_task, user=approver_a)
    send_back = case_send_back(task=chief_task, to_node="sign_handler", reason="签字意见不完整", actor=approver_a)
    redo = d.task_of(process, "sign_handler")
    assert redo.status == STATUS.ASSIGNED and redo.owner_id == case_worker_a.pk
    process = d.do(process, "sign_handler", case_worker_a, dibao_services.decision_sign, role="handler", opinion="同意")
    send_back.refresh_from_db()
    assert send_back.state == SendBack.State.RETURNED
    assert d.task_of(process, "sign_section_chief").status == STATUS.NEW
    assert direct_return_node(process) is None

"""Every node refuses a user of the wrong role and a user of the wrong township
(domain.md §1), and separation of duties holds on the decision."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.conftest import _staff
from workflows.core.driving import complete_task
from workflows.core.models.staff import Role
from workflows.dibao import services

from .conftest import accept, do, file_case, home_visit, pass_notice, propose, task_of

SIGN_NODES = ["sign_handler", "sign_section_chief", "sign_township_head"]
OBJECTION_NODES = ["choose_objection_route", "re_investigate", "democratic_appraisal"]


@pytest.fixture
def other_county_officer(db):
    """A county officer of a different county."""
    county = factories.CountyFactory(code="990202", name="邻县")
    return _staff("other_county_officer", Role.COUNTY_OFFICER, county)


def drive_to(node, *, programme, cw, cw2, approver, approver2, fake_finance_check, monkeypatch, village):
    relative = node == "county_home_visit"
    applicant = "王五" if programme == "tekun" else "张三"
    links = [services.StaffLinkInput(member_name=applicant, staff_name="钱委员", relation="sibling",
                                     position="village_committee")] if relative else []  # fmt: skip
    p = file_case(cw, village, programme=programme, staff_links=links)
    if node == "accept":
        return p
    if node == "complete_materials":
        return accept(p, cw, missing=["income_proof"])
    p = fake_finance_check.finish(accept(p, cw))
    if node == "home_visit":
        return p
    p = home_visit(p, cw, cw, cw2, **({"tekun_confirmed": True} if programme == "tekun" else {}))
    if node in ("county_home_visit", "propose"):
        return p
    if node in SIGN_NODES:
        p = propose(p, cw, approve=False)
        for step, user, role in (("sign_handler", cw, "handler"), ("sign_section_chief", approver, "section_chief")):
            if node == step:
                return p
            p = do(p, step, user, services.decision_sign, role=role, opinion="同意")
        return p
    p = propose(p, cw)
    services.objection_record(notice=p.current_notice, content="有异议", anonymous=True)
    p = pass_notice(p, monkeypatch)
    if node == "choose_objection_route":
        return p
    route = "reinvestigate" if node == "re_investigate" else "appraisal"
    return do(p, "choose_objection_route", approver, services.objection_route_choose, route=route)


@pytest.fixture
def case_worker_a3(region):
    """A township-A case worker who never touches the case: a wrong role for the approver
    nodes that no separation-of-duties rule excludes, so only the role check can refuse."""
    return _staff("worker_a3", Role.CASE_WORKER, region.township_a)


@pytest.fixture
def approver_a3(region):
    """A township-A approver who never touches the case: a wrong role for case-worker nodes."""
    return _staff("approver_a3", Role.APPROVER, region.township_a)


NODE_USERS = {
    # node: (right-role fixture, wrong-role fixture, wrong-township fixture). The wrong-role
    # users hold a township-A role but have not acted on the case, so separation of duties
    # (which would refuse an investigator anyway) cannot mask a missing role check.
    "accept": ("case_worker_a", "approver_a3", "case_worker_b"),
    "complete_materials": ("case_worker_a", "approver_a3", "case_worker_b"),
    "home_visit": ("case_worker_a", "village_assistant_a", "case_worker_b"),
    "county_home_visit": ("county_officer", "case_worker_a3", "other_county_officer"),
    "propose": ("case_worker_a", "approver_a3", "case_worker_b"),
    "choose_objection_route": ("approver_a2", "case_worker_a3", "approver_b"),
    "re_investigate": ("case_worker_a", "approver_a3", "case_worker_b"),
    "democratic_appraisal": ("case_worker_a", "approver_a3", "case_worker_b"),
    "sign_handler": ("case_worker_a", "approver_a3", "case_worker_b"),
    "sign_section_chief": ("approver_a", "case_worker_a3", "approver_b"),
    "sign_township_head": ("approver_a2", "case_worker_a3", "approver_b"),
}


def test_every_human_node_of_both_flows_is_covered():
    """The table below covers every View node of DibaoFlow and TekunFlow (a new node
    without a refusal test fails here)."""
    from workflows.core.flows import View
    from workflows.dibao.flows import DibaoFlow, TekunFlow

    for flow_class in (DibaoFlow, TekunFlow):
        human = {n.name for n in flow_class.instance.nodes() if isinstance(n, View)}
        assert human == set(NODE_USERS), flow_class.__name__


@pytest.mark.parametrize("programme", ["dibao", "tekun"])
@pytest.mark.parametrize("node", list(NODE_USERS))
def test_node_refuses_wrong_role_and_wrong_township(
    node, programme, request, region, case_worker_a, case_worker_a2, approver_a, approver_a2, case_worker_b,
    approver_b, village_assistant_a, county_officer, other_county_officer, case_worker_a3, approver_a3,
    fake_finance_check, monkeypatch,
):  # fmt: skip
    """Every human node of DibaoFlow and TekunFlow can be claimed by the right role of the
    case's region only: a wrong-role user of the same township (who has not acted on the
    case) and a same-role user of another township (or county) are refused (domain.md §1)."""
    process = drive_to(node, programme=programme, cw=case_worker_a, cw2=case_worker_a2, approver=approver_a,
                       approver2=approver_a2, fake_finance_check=fake_finance_check, monkeypatch=monkeypatch,
                       village=region.village_a)  # fmt: skip
    assert process.programme == programme
    task = task_of(process, node)
    right, wrong_role, wrong_township = (request.getfixturevalue(name) for name in NODE_USERS[node])
    flow_node = task.flow_task
    assert flow_node.can_assign(right, task), f"{right} should be able to claim {node}"
    for user in (wrong_role, wrong_township):
        assert user.pk not in process.excluded_actor_ids(node), f"{user} is excluded by separation, not role/region"
        assert not flow_node.can_assign(user, task)
        assert not flow_node.can_execute(user, task)
        with pytest.raises(PermissionDenied):
            complete_task(task, user=user, perform=lambda p: None)


def test_start_refuses_wrong_role_and_wrong_township(region, approver_a, case_worker_b):
    """Only case workers and village assistants file (MSL 6); a case worker may not
    file for another township's village; nothing is saved."""
    from workflows.households.models import Household

    with pytest.raises(PermissionDenied):
        file_case(approver_a, region.village_a)
    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_b, region.village_a)
    assert services.ERR_VILLAGE_OUTSIDE in exc.value.messages
    assert Household.objects.count() == 0


def test_village_assistant_files_with_entrustment(region, village_assistant_a):
    """A village assistant files for their village only with an uploaded entrustment (MSL 6)."""
    from .conftest import upload

    with pytest.raises(ValidationError) as exc:
        file_case(village_assistant_a, region.village_a)
    assert services.ERR_ENTRUSTMENT in exc.value.messages
    uploads = [services.UploadInput(kind="application", file=upload()),
               services.UploadInput(kind="entrustment", file=upload("委托书.pdf"))]  # fmt: skip
    process = file_case(village_assistant_a, region.village_a, uploads=uploads)
    assert process.channel == "paper_village_assistant"
    with pytest.raises(ValidationError):
        file_case(village_assistant_a, region.village_a2, uploads=uploads)


def test_investigator_and_proposer_may_not_sign_as_approver(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check
):
    """Whoever investigated or proposed may not sign as section chief or township
    head (domain.md §1), and the head must differ from the section chief."""
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = home_visit(process, case_worker_a, approver_a, case_worker_a2)  # the approver took part
    process = propose(process, case_worker_a, approve=False)
    process = do(process, "sign_handler", case_worker_a, services.decision_sign, role="handler", opinion="同意")
    task = task_of(process, "sign_section_chief")
    assert not task.flow_task.can_assign(approver_a, task)
    with pytest.raises(PermissionDenied):
        services.decision_sign(process=process, role="section_chief", opinion="x", actor=approver_a)
    process = do(process, "sign_section_chief", approver_a2, services.decision_sign, role="section_chief",
                 opinion="同意")  # fmt: skip
    task = task_of(process, "sign_township_head")
    assert not task.flow_task.can_assign(approver_a2, task)
    with pytest.raises(PermissionDenied) as exc:
        services.dibao_decide(process=process, approve=False, reasons=["x"], actor=approver_a2)
    assert str(services.ERR_HEAD_SAME_AS_CHIEF) in str(exc.value)


def test_staff_relative_cannot_be_approved_without_county_visit(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check
):
    """A flagged case cannot be approved until a county home-visit record exists (MSL 20)."""
    links = [services.StaffLinkInput(member_name="张三", staff_name="钱委员", relation="sibling",
                                     position="village_committee")]  # fmt: skip
    process = fake_finance_check.finish(
        accept(file_case(case_worker_a, region.village_a, staff_links=links), case_worker_a)
    )
    process.proposes_approval, process.notice_round, process.proposed_amount = True, 1, 100
    with pytest.raises(ValidationError) as exc:
        services.dibao_decide(process=process, approve=True, reasons=[], actor=approver_a2)
    assert services.ERR_COUNTY_VISIT_REQUIRED in exc.value.messages


def test_investigators_must_be_two_distinct_township_staff(region, case_worker_a, case_worker_b, fake_finance_check):
    """A home visit needs two different investigators of the township (MSL 16)."""
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    kwargs = {"process": process, "visited_on": datetime.date.today(), "findings": "x",
              "family_signatories": "张三", "actor": case_worker_a}  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.home_visit_record(investigator_1=case_worker_a, investigator_2=case_worker_a, **kwargs)
    assert services.ERR_INVESTIGATORS_DISTINCT in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        services.home_visit_record(investigator_1=case_worker_a, investigator_2=case_worker_b, **kwargs)
    assert "worker_b" in exc.value.messages[0]

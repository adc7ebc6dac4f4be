"""Choosing an approver as investigator (issue 14 §2; separation of duties, domain.md §1):
allowed, but the form names approvers in the list and asks for an explicit confirmation,
because an investigator may not sign that case (DibaoProcess.excluded_actor_ids)."""

from __future__ import annotations

import datetime

from tests.dibao.conftest import file_case
from workflows.dibao.forms import APPROVER_FLAG, WARN_APPROVER_INVESTIGATOR, HomeVisitForm


def post(inv1, inv2, **extra):
    return {"investigator_1": inv1.pk, "investigator_2": inv2.pk, "visited_on": datetime.date.today().isoformat(),
            "findings": "家中无劳动力。", "family_signatories": "张三", **extra}  # fmt: skip


def test_approvers_are_flagged_in_the_investigator_list(region, case_worker_a, approver_a):
    """The list names the approver with the consequence; case workers are named plainly."""
    form = HomeVisitForm(process=file_case(case_worker_a, region.village_a))
    labels = [str(label) for _value, label in form.fields["investigator_1"].choices][1:]
    assert f"{approver_a.get_full_name()}（{APPROVER_FLAG}）" in labels
    assert case_worker_a.get_full_name() in labels


def test_choosing_an_approver_warns_until_confirmed(region, case_worker_a, approver_a):
    """Without the confirmation the form answers with the warning at the approver's field;
    with it, the visit may be recorded."""
    process = file_case(case_worker_a, region.village_a)
    form = HomeVisitForm(post(case_worker_a, approver_a), process=process)
    assert not form.is_valid()
    name = approver_a.get_full_name()
    assert form.errors["investigator_2"] == [str(WARN_APPROVER_INVESTIGATOR % {"name": name})]
    assert "不能签批本案件" in form.errors["investigator_2"][0]
    form = HomeVisitForm(post(case_worker_a, approver_a, confirm_approver_investigator="on"), process=process)
    assert form.is_valid(), form.errors


def test_two_case_workers_need_no_confirmation(region, case_worker_a, case_worker_a2, approver_a):
    """No approver chosen: no warning, no confirmation needed."""
    form = HomeVisitForm(post(case_worker_a, case_worker_a2), process=file_case(case_worker_a, region.village_a))
    assert form.is_valid(), form.errors

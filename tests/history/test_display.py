"""Issue 14 §5 and issue 20 item 7: recorded events in people's language (field labels
from the models' verbose_name, choices' labels, 是/否, display names, case numbers, money
with separators, Asia/Shanghai times), personal values masked, and one registry of audit
actions that refuses an undeclared name under tests."""

from __future__ import annotations

import logging

import pytest

from tests.skeleton.test_flow import open_case
from workflows.core import events
from workflows.core.audit import audit_record
from workflows.core.models import AuditEvent
from workflows.history import display


def _event(action="dibao.propose", target_type="dibao.dibaoprocess", changes=None, data=None):
    return AuditEvent(action=action, target_type=target_type, target_id="1", changes=changes or {}, data=data or {})


def test_field_labels_come_from_verbose_name_and_values_from_choices(db):
    """``programme``/``channel`` show the field's verbose_name and the choice's label; a
    boolean is 是/否; money has thousands separators and two decimals."""
    event = _event(
        changes={
            "programme": [None, "dibao"],
            "channel": [None, "paper_case_worker"],
            "proposes_approval": [None, True],
            "proposed_amount": ["1200", "16200.5"],
        }
    )
    rows = {label: (old, new) for label, old, new in display.change_rows(event)}
    assert rows["救助类别"][1] == "最低生活保障"
    assert rows["申请渠道"][1] != "paper_case_worker" and rows["申请渠道"][0] == "—"
    assert rows["初审意见：拟确认"] == ("—", "是")
    assert rows["拟保障金额（元/月）"] == ("1,200.00", "16,200.50")


def test_users_by_display_name_processes_by_case_number(region, case_worker_a, case_worker_a2):
    """A user FK and a list of investigators show the people's names, never login names; a
    referenced process shows its case number."""
    process = open_case(case_worker_a, region.village_a, summary="事由")
    signed = _event(changes={"handler_signed_by": [None, case_worker_a.pk]})
    ((label, _old, new),) = display.change_rows(signed)
    assert label == "经办人签字" and new == case_worker_a.get_full_name() and "worker_a" not in new
    visit = _event(action="dibao.home_visit", data={"investigators": [case_worker_a.pk, case_worker_a2.pk]})
    assert display.data_rows(visit) == [
        ("调查人员", f"{case_worker_a.get_full_name()}、{case_worker_a2.get_full_name()}")
    ]
    check = _event(changes={"finance_check_id": [None, process.pk]})
    assert display.change_rows(check)[0][2] == process.case_number


def test_times_in_shanghai_and_codes_in_words(db):
    """A recorded UTC time shows in Asia/Shanghai without microseconds; a finance-check
    outcome and a task status show in words."""
    event = _event(
        changes={"sampling_pool_since": [None, "2026-12-07T04:46:49.514410+00:00"], "finance_outcome": ["", "eligible"]}
    )
    rows = {label: new for label, _old, new in display.change_rows(event)}
    assert rows["纳入抽查范围时间"] == "2026-12-07 12:46:49"
    assert rows["核对结论"] == "符合条件"


def test_personal_values_are_masked_unless_the_full_export_asks(db):
    """ID numbers keep their ends, phones and the fields an action declares personal are
    hidden; ``masked=False`` (the logged full export) shows them."""
    event = _event(
        action="dibao.staff_register_change",
        target_type="dibao.staffkinrecord",
        changes={"relative_id_number": [None, "11010519491231002X"], "relative_name": [None, "王小明"]},
    )
    masked = {label: new for label, _old, new in display.change_rows(event)}
    assert "11010519491231002X" not in masked.values() and "王小明" not in masked.values()
    assert any(v.startswith("1101") and v.endswith("002X") for v in masked.values())
    full = {label: new for label, _old, new in display.change_rows(event, masked=False)}
    assert "11010519491231002X" in full.values() and "王小明" in full.values()


def test_every_declared_action_has_words(db):
    """Each registry entry has a label other than its name."""
    for name, declared in events.REGISTRY.items():
        assert declared.name == name and str(declared.label) != name


def test_an_undeclared_action_fails_under_tests(region, case_worker_a):
    """Writing an action missing from the registry raises in tests (AUDIT_STRICT_ACTIONS)
    and writes nothing."""
    process = open_case(case_worker_a, region.village_a, summary="事由")
    before = AuditEvent.objects.count()
    with pytest.raises(events.UnregisteredAction):
        audit_record(action="dibao.not_declared", target=process, process_id=process.pk)
    assert AuditEvent.objects.count() == before


def test_an_undeclared_action_is_logged_not_lost_in_production(region, case_worker_a, settings, caplog):
    """In production the state change must not roll back over a missing label: the event
    is written and the omission logged."""
    settings.AUDIT_STRICT_ACTIONS = False
    settings.DEBUG = False
    process = open_case(case_worker_a, region.village_a, summary="事由")
    with caplog.at_level(logging.ERROR, logger="workflows.core.events"):
        event = audit_record(action="dibao.not_declared", target=process, process_id=process.pk)
    assert event.pk and "dibao.not_declared" in caplog.text


def test_declaring_an_action_twice_is_refused():
    """One declaration per action."""
    with pytest.raises(ValueError):
        events.event("dibao.propose", "again")


def test_nested_data_is_labelled_with_money_formatted_and_ids_left_alone(db):
    """The proposal's computation: money keys with separators, version ids as numbers."""
    event = _event(data={"computation": {"standard": "400.00", "amount_rule_id": 1, "monthly_amount": "16200"}})
    ((label, value),) = display.data_rows(event)
    assert label == "计算过程"
    assert "低保标准（元/月）：400.00" in value and "计算规则版本：1；" in value and "16,200.00" in value

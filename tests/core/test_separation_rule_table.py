"""Issue 19 item 4: the declared separation rules (domain.md §1: whoever investigated or proposed
may not sign; the township head is not the section chief) are rows of ``SeparationRule``, kept
equal to the process models' ``separation_rules`` after every migrate and checked by
``core.W120`` (``manage.py check --database default --fail-level WARNING`` fails on it); the
queue tests them with one fixed-size ``EXISTS`` against that table."""

from __future__ import annotations

from django.db.models.signals import post_migrate
from viewflow.workflow.models import Task

from tests.workspace.conftest import make_case, make_tasks
from workflows.core.models import CaseActorRecord, SeparationRule
from workflows.core.separation import check_rule_table, declared_rules, sync_rule_table
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import DibaoProcess
from workflows.workspace import selectors


def _stored(flow_class, node_name: str) -> str:
    return Task._meta.get_field("flow_task").get_prep_value(getattr(flow_class, node_name))


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_the_table_holds_the_declared_rules_after_migrate(db):
    """After migrate the table is exactly the declared rules, among them the 低保 township head's
    (not the section chief, not an investigator), and the check reports nothing."""
    rows = set(SeparationRule.objects.values_list("flow_task", "excluded_node"))
    assert rows == declared_rules()
    head = _stored(DibaoFlow, "sign_township_head")
    assert {(head, "sign_section_chief"), (head, "home_visit"), (head, "propose")} <= rows
    assert (_stored(DibaoFlow, "sign_handler"), "home_visit") not in rows  # the handler may have investigated
    assert check_rule_table(databases=["default"]) == []


def test_the_check_fails_when_the_table_and_the_declarations_differ(db):
    """A missing row and a row declared nowhere each fail ``core.W120``; ``sync_rule_table``
    (what ``post_migrate`` runs) puts it right again."""
    head = _stored(DibaoFlow, "sign_township_head")
    SeparationRule.objects.filter(flow_task=head, excluded_node="sign_section_chief").delete()
    assert [e.id for e in check_rule_table(databases=["default"])] == ["core.W120"]
    assert sync_rule_table() == (1, 0)
    assert check_rule_table(databases=["default"]) == []
    SeparationRule.objects.create(flow_task=_stored(DibaoFlow, "accept"), excluded_node="propose")
    assert [e.id for e in check_rule_table(databases=["default"])] == ["core.W120"]
    assert sync_rule_table() == (0, 1)
    assert check_rule_table(databases=["default"]) == []
    assert check_rule_table(databases=None) == []  # without --database the check reads nothing


def test_migrate_writes_the_table(db):
    """The ``post_migrate`` handler fills an emptied table from the declarations."""
    from django.apps import apps

    SeparationRule.objects.all().delete()
    post_migrate.send(sender=apps.get_app_config("core"), app_config=apps.get_app_config("core"), using="default")
    assert set(SeparationRule.objects.values_list("flow_task", "excluded_node")) == declared_rules()


def test_the_queue_reads_the_rules_from_the_table(region, approver_a):
    """The section chief who investigated the case does not see its signature task in the queue
    while the rule row exists, and sees it once the row is gone: the queue asks the table."""
    case = make_case(region.village_a)
    make_tasks(case, DibaoFlow.sign_section_chief, 1)
    CaseActorRecord.objects.create(process_id=case.pk, node_name="home_visit", user=approver_a, task_id=990_001)
    mine = selectors.queue_tasks(_fresh(approver_a)).filter(process_id=case.pk)
    assert not mine.exists()
    SeparationRule.objects.filter(
        flow_task=_stored(DibaoFlow, "sign_section_chief"), excluded_node="home_visit"
    ).delete()
    assert mine.exists()


def test_the_queue_sql_does_not_grow_when_a_rule_is_added(region, case_worker_a, monkeypatch):
    """A new declared rule is one more row, not more SQL: the queue's statement text is the same
    before and after, and the new rule excludes the task all the same."""
    case = make_case(region.village_a)
    make_tasks(case, DibaoFlow.sign_handler, 1)  # a case worker's task, no rule of its own yet
    CaseActorRecord.objects.create(process_id=case.pk, node_name="accept", user=case_worker_a, task_id=990_002)
    before = str(selectors.queue_tasks(_fresh(case_worker_a)).query)
    assert selectors.queue_tasks(_fresh(case_worker_a)).filter(process_id=case.pk).exists()

    rules = {**DibaoProcess.separation_rules, "sign_handler": {"accept"}}
    monkeypatch.setattr(DibaoProcess, "separation_rules", rules)
    assert sync_rule_table()[0] >= 1
    after = str(selectors.queue_tasks(_fresh(case_worker_a)).query)
    assert after == before
    assert not selectors.queue_tasks(_fresh(case_worker_a)).filter(process_id=case.pk).exists()

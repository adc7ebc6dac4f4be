"""Issue 8 item 3: replay a case to any event from its audit chain alone, with the rule
versions in force then, and diff two points; exercised on the real dibao flow (issue 14
item 9: replay tests run on the real flows, not the sample flow)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.dibao.conftest import accept, file_case, home_visit, propose
from workflows.core.models import AuditEvent, DibaoStandard
from workflows.core.models.rules import Area, Period
from workflows.dibao.flows import DibaoFlow
from workflows.history import selectors


def seq_of(process, action, nth=0):
    return list(
        AuditEvent.objects.filter(chain=f"case:{process.pk}", action=action)
        .order_by("seq")
        .values_list("seq", flat=True)
    )[nth]


@pytest.fixture
def visited_case(region, case_worker_a, case_worker_a2, fake_finance_check):
    """A dibao case filed, accepted, checked (per-capita income 100) and visited: the
    preliminary opinion is next (MSL 19)."""
    process = file_case(case_worker_a, region.village_a)
    process = fake_finance_check.finish(accept(process, case_worker_a), per_capita_income="100.00")
    return home_visit(process, case_worker_a, case_worker_a, case_worker_a2)


def test_replay_before_and_after_a_change_shows_old_and_new_values(visited_case, case_worker_a):
    """Replaying to just before the preliminary opinion shows none; at it, the opinion and
    its amount; the diff names both."""
    process = propose(visited_case, case_worker_a)
    key = f"dibao.dibaoprocess#{process.pk}"
    at = seq_of(process, "dibao.propose")
    before, after = selectors.replay(process, at - 1), selectors.replay(process, at)
    assert before.objects[key].get("proposes_approval") is None
    assert after.objects[key]["proposes_approval"] is True
    assert Decimal(str(after.objects[key]["proposed_amount"])) == process.proposed_amount
    changes = selectors.state_diff(before, after)
    assert f"{key}.proposes_approval" in changes and f"{key}.proposed_amount" in changes


def test_replay_task_states_as_of_an_event(visited_case, case_worker_a):
    """Task states come from the task.* events: before the opinion is given the propose
    task is not done; after it, it is DONE and owned by the case worker."""
    process = propose(visited_case, case_worker_a)
    at = seq_of(process, "dibao.propose")
    early = {t["node"]: t for t in selectors.replay(process, at - 1).tasks.values()}
    late = {t["node"]: t for t in selectors.replay(process).tasks.values()}
    assert early["propose"]["status"] != "DONE"
    assert late["propose"] == {"node": "propose", "status": "DONE", "owner": case_worker_a.pk}
    assert {late[n]["status"] for n in ("start", "accept", "home_visit")} == {"DONE"}


def test_replay_shows_rule_versions_in_force_at_the_event(visited_case, region, case_worker_a):
    """A standard recorded after an event does not appear when replaying to that event; events
    after it show the new version (rules in force then, domain.md §3, SAI 9-10)."""
    old_urban = DibaoStandard.objects.get(county=region.county, area=Area.URBAN)
    new_urban = DibaoStandard.objects.create(
        county=region.county,
        area=Area.URBAN,
        period=Period.MONTHLY,
        amount=Decimal("700.00"),
        effective_from=timezone.localdate() - datetime.timedelta(days=1),
    )
    process = propose(visited_case, case_worker_a)
    early = selectors.replay(process, 1)
    late = selectors.replay(process)
    assert early.rules["dibao_standard_urban"]["id"] == old_urban.pk
    assert early.rules["dibao_standard_urban"]["monthly_amount"] == "600.00"
    assert late.rules["dibao_standard_urban"]["id"] == new_urban.pk
    assert late.rules["dibao_standard_urban"]["monthly_amount"] == "700.00"
    assert late.rules["temporary_assistance"]["township_limit"] == "2100.00"  # 3 x urban monthly, TA18 2(2)
    assert early.rules["sampling"]["ratio"] == "0.300"
    assert "rule.dibao_standard_urban" in selectors.state_diff(early, late)


def test_replay_without_rules_configured_skips_them(db):
    """A county without rule configuration replays without a rules section (no error)."""
    from workflows.core.models.regions import County

    other = County.objects.create(code="990199", name="无规则县")
    state = selectors.CaseState(seq=1, occurred_at=timezone.now())
    assert selectors.rules_in_force(other, state.occurred_at) == {}


def test_decisions_group_changes_under_the_human_task(visited_case, case_worker_a):
    """The case file's decisions: each completed human task with its owner and the data changes
    recorded while doing it (the opinion under 初审意见's own step title)."""
    process = propose(visited_case, case_worker_a)
    found = {d.node: d for d in selectors.decisions(process, list(selectors.case_events(process)))}
    assert {"start", "accept", "home_visit", "propose"} <= set(found)
    assert found["propose"].actor == case_worker_a
    assert str(found["propose"].title) == str(DibaoFlow.propose.task_title)
    assert "dibao.propose" in [e.action for e in found["propose"].events]
    assert "dibao.file" in [e.action for e in found["start"].events]

"""Issue 8 item 3: replay a case to any event from its audit chain alone, with the rule
versions in force then, and diff two points (generic; exercised on the skeleton flow)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from workflows.core.models import AuditEvent, DibaoStandard
from workflows.core.models.rules import Area, Period
from workflows.history import selectors
from workflows.skeleton import services


def seq_of(process, action, nth=0):
    return list(
        AuditEvent.objects.filter(chain=f"case:{process.pk}", action=action)
        .order_by("seq")
        .values_list("seq", flat=True)
    )[nth]


def test_replay_before_and_after_a_change_shows_old_and_new_values(finished_case, approver_a):
    """Replaying to before a later change shows the original decision; after it, the new one
    (the generic form of "before the objection: original notice and amount; after: the new ones")."""
    services.case_review(process=finished_case, approved=False, note="复核后不予通过", actor=approver_a)
    key = f"skeleton.skeletonprocess#{finished_case.pk}"
    first, second = seq_of(finished_case, "case.review", 0), seq_of(finished_case, "case.review", 1)

    before = selectors.replay(finished_case, second - 1)
    after = selectors.replay(finished_case, second)
    assert before.objects[key]["approved"] is True and before.objects[key]["review_note"] == "ok"
    assert after.objects[key]["approved"] is False and after.objects[key]["review_note"] == "复核后不予通过"
    assert "approved" not in selectors.replay(finished_case, first - 1).objects[key]
    assert selectors.state_diff(before, after) == {
        f"{key}.approved": [True, False],
        f"{key}.review_note": ["ok", "复核后不予通过"],
    }


def test_replay_task_states_as_of_an_event(finished_case, approver_a):
    """Task states come from the task.* events: at the review's start it is STARTED and owned
    by the approver; at the end every task is DONE."""
    started = AuditEvent.objects.get(chain=f"case:{finished_case.pk}", action="task.started", data__node="review")
    state = selectors.replay(finished_case, started.seq)
    review = next(t for t in state.tasks.values() if t["node"] == "review")
    assert review == {"node": "review", "status": "STARTED", "owner": approver_a.pk}
    assert not any(t["node"] == "end" for t in state.tasks.values())
    final = selectors.replay(finished_case)
    assert {t["node"]: t["status"] for t in final.tasks.values()} == {
        "start": "DONE",
        "review": "DONE",
        "registry_receipt": "DONE",
        "end": "DONE",
    }


def test_replay_shows_rule_versions_in_force_at_the_event(finished_case, region, approver_a):
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
    services.case_review(process=finished_case, approved=True, note="按新标准复核", actor=approver_a)
    early = selectors.replay(finished_case, 1)
    late = selectors.replay(finished_case)
    assert early.rules["dibao_standard_urban"]["id"] == old_urban.pk
    assert early.rules["dibao_standard_urban"]["monthly_amount"] == "600.00"
    assert late.rules["dibao_standard_urban"]["id"] == new_urban.pk
    assert late.rules["dibao_standard_urban"]["monthly_amount"] == "700.00"
    assert late.rules["temporary_assistance"]["township_limit"] == "2100.00"  # 3 x urban monthly, TA18 2(2)
    assert early.rules["sampling"]["ratio"] == "0.300"
    assert "rule.dibao_standard_urban" in selectors.state_diff(early, late)


def test_replay_without_rules_configured_skips_them(finished_case, region):
    """A county without rule configuration replays without a rules section (no error)."""
    from workflows.core.models.regions import County

    other = County.objects.create(code="990199", name="无规则县")
    state = selectors.CaseState(seq=1, occurred_at=timezone.now())
    assert selectors.rules_in_force(other, state.occurred_at) == {}


def test_decisions_group_changes_under_the_human_task(finished_case, case_worker_a, approver_a):
    """The case file's decisions: each completed human task with its owner and the data changes
    recorded while doing it (opening under 登记, the review under 乡镇审核)."""
    events = list(selectors.case_events(finished_case))
    found = {d.node: d for d in selectors.decisions(finished_case, events)}
    assert set(found) == {"start", "review"}
    assert found["review"].actor == approver_a and str(found["review"].title) == "乡镇审核"
    assert [e.action for e in found["review"].events] == ["case.review"]
    assert [e.action for e in found["start"].events] == ["case.open"]

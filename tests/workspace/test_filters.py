"""The remaining list filters and the deadline badges (issue 10 §1): business (flow), due
date, assist-first pending (TA18: paperwork after an assist-first payment), days left and
overdue in working days on the official calendar (MSL 22); archive and inbox scoping."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from viewflow.workflow.status import STATUS

from tests import factories
from tests.workspace.conftest import make_case, make_tasks
from workflows.core.models import TemporaryAssistanceRule
from workflows.core.working_days import Calendar
from workflows.dibao.flows import DibaoFlow
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow
from workflows.temporary_assistance.models import Payment, TemporaryAssistanceProcess
from workflows.workspace.models import CaseIndex


def _ta_case(village, user, *, paid: bool, number: str) -> TemporaryAssistanceProcess:
    """An assist-first TA case whose paperwork is not done; ``paid`` adds its payment."""
    household = factories.HouseholdFactory(village=village)
    factories.MemberFactory(household=household, name="先行户")
    today = timezone.localdate()
    process = TemporaryAssistanceProcess.objects.create(
        flow_class=TemporaryAssistanceFlow, county=village.township.county, township=village.township,
        village=village, household=household, kind="cash", cause="disaster", event_date=today,
        cause_detail="火灾", requested_amount=Decimal("800.00"), township_limit=Decimal("3000.00"),
        assist_first=True, paperwork_due=today + datetime.timedelta(days=20), case_number=number,
        rule=TemporaryAssistanceRule.objects.filter(county=village.township.county).first(),
    )  # fmt: skip
    if paid:
        Payment.objects.create(
            process=process, seq=1, amount=Decimal("800.00"), source="county", paid_at=timezone.now(),
            paid_by=user, assist_first=True,
        )  # fmt: skip
    make_tasks(process, TemporaryAssistanceFlow.complete_paperwork, 1)
    return process


def _numbers(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return sorted(r.case_number for r in response.context["rows"])


def test_flow_due_and_assist_first_filters(region, case_worker_a, client_for):
    """flow= keeps one business, due_before= cases due on or before the date, assist_first=
    only assist-first cases already paid whose paperwork is pending."""
    today = timezone.localdate()
    soon = make_case(region.village_a, name="近期户", due_on=today + datetime.timedelta(days=5))
    later = make_case(region.village_a, name="远期户", due_on=today + datetime.timedelta(days=40))
    for p in (soon, later):
        make_tasks(p, DibaoFlow.accept, 1)
    paid = _ta_case(region.village_a, case_worker_a, paid=True, number="LS-T-PAID")
    unpaid = _ta_case(region.village_a2, case_worker_a, paid=False, number="LS-T-UNPAID")
    assert CaseIndex.objects.get(process_id=paid.pk).assist_first_pending
    assert not CaseIndex.objects.get(process_id=unpaid.pk).assist_first_pending
    client = client_for(case_worker_a)

    everything = _numbers(client, "/workspace/queue/")
    assert everything == sorted([soon.case_number, later.case_number, paid.case_number, unpaid.case_number])
    dibao_label = DibaoFlow.instance.flow_label
    ta_label = TemporaryAssistanceFlow.instance.flow_label
    assert _numbers(client, f"/workspace/queue/?flow={dibao_label}") == sorted([soon.case_number, later.case_number])
    assert _numbers(client, f"/workspace/queue/?flow={ta_label}") == sorted([paid.case_number, unpaid.case_number])
    cutoff = (today + datetime.timedelta(days=10)).isoformat()
    assert _numbers(client, f"/workspace/queue/?flow={dibao_label}&due_before={cutoff}") == [soon.case_number]
    assert _numbers(client, "/workspace/queue/?assist_first=on") == [paid.case_number]
    page = client.get("/workspace/queue/?assist_first=on").content.decode()
    assert "ws-badge-assist" in page


def test_days_left_and_overdue_badges_count_working_days(region, case_worker_a, client_for):
    """Each row shows the working days left (剩 N 个工作日) or overdue (逾期 N 个工作日), and
    sorting by due date puts the most urgent first (-due the reverse)."""
    today = timezone.localdate()
    calendar = Calendar()
    late = make_case(region.village_a, name="逾期户", due_on=today - datetime.timedelta(days=9))
    soon = make_case(region.village_a, name="近期户", due_on=today + datetime.timedelta(days=12))
    for p in (late, soon):
        make_tasks(p, DibaoFlow.accept, 1)
    response = client_for(case_worker_a).get("/workspace/queue/?sort=due")
    rows = {r.case_number: r for r in response.context["rows"]}
    late_days = calendar.working_days_between(late.due_on, today)
    soon_days = calendar.working_days_between(today, soon.due_on)
    assert late_days > 0 and soon_days > 0
    assert rows[late.case_number].overdue and rows[late.case_number].overdue_days == late_days
    assert not rows[soon.case_number].overdue and rows[soon.case_number].days_left == soon_days
    body = response.content.decode()
    assert f"逾期 {late_days} 个工作日" in body and f"剩 {soon_days} 个工作日" in body
    assert [r.case_number for r in response.context["rows"]] == [late.case_number, soon.case_number]
    reverse = client_for(case_worker_a).get("/workspace/queue/?sort=-due").context["rows"]
    assert [r.case_number for r in reverse] == [soon.case_number, late.case_number]


def test_inbox_and_archive_are_the_users_own(region, case_worker_a, case_worker_a2, case_worker_b, client_for):
    """The inbox holds only tasks assigned to the user, the archive only tasks the user
    finished; a colleague's and another township's tasks appear in neither."""
    mine = make_case(region.village_a, name="本人户")
    colleague = make_case(region.village_a2, name="同事户")
    make_tasks(mine, DibaoFlow.accept, 1, status=STATUS.ASSIGNED, owner=case_worker_a)
    make_tasks(colleague, DibaoFlow.accept, 1, status=STATUS.ASSIGNED, owner=case_worker_a2)
    done = timezone.now()
    make_tasks(mine, DibaoFlow.home_visit, 1, status=STATUS.DONE, owner=case_worker_a, finished=done)
    make_tasks(colleague, DibaoFlow.home_visit, 1, status=STATUS.DONE, owner=case_worker_a2, finished=done)
    client = client_for(case_worker_a)
    assert _numbers(client, "/workspace/inbox/") == [mine.case_number]
    assert _numbers(client, "/workspace/archive/") == [mine.case_number]
    other = client_for(case_worker_b)
    assert _numbers(other, "/workspace/inbox/") == [] and _numbers(other, "/workspace/archive/") == []


def test_village_assistant_sees_only_their_village(region, village_assistant_a, client_for):
    """A village assistant's lists are scoped to their village: a township-A case of another
    village is not in their queue, and the village filter offers only their village."""
    own = make_case(region.village_a)
    other = make_case(region.village_a2)
    for p in (own, other):
        make_tasks(p, DibaoFlow.accept, 1)
    response = client_for(village_assistant_a).get("/workspace/queue/")
    assert response.status_code == 200
    assert other.case_number not in [r.case_number for r in response.context["rows"]]
    villages = list(response.context["form"].fields["village"].queryset)
    assert villages == [region.village_a]


def test_assist_first_paperwork_deadline_shows_after_the_payment_decision(region, case_worker_a, client_for):
    """An assist-first case is decided and paid the same day, but its paperwork deadline still
    runs (TA18 2(2)): the row shows that date and the overdue badge, the overdue filter keeps
    it, and the county dashboard counts it overdue. A plain decided case shows no deadline."""
    from workflows.workspace.dashboard import county_figures
    from workflows.workspace.indexing import refresh_case_index

    today = timezone.localdate()
    process = _ta_case(region.village_a, case_worker_a, paid=True, number="LS-T-LATE")
    process.decision, process.decided_at = "approved", timezone.now()
    process.paperwork_due = today - datetime.timedelta(days=10)
    process.save()
    decided = make_case(region.village_a, name="已决定户", due_on=today - datetime.timedelta(days=10))
    make_tasks(decided, DibaoFlow.accept, 1)
    CaseIndex.objects.filter(process_id=decided.pk).update(decided_on=today)
    refresh_case_index(process)
    index = CaseIndex.objects.get(process_id=process.pk)
    assert index.decided_on is not None and index.assist_first_pending and index.deadline_running

    client = client_for(case_worker_a)
    rows = {r.case_number: r for r in client.get("/workspace/queue/").context["rows"]}
    assert rows["LS-T-LATE"].due_on == process.paperwork_due and rows["LS-T-LATE"].overdue
    assert rows[decided.case_number].due_on is None and not rows[decided.case_number].overdue
    assert _numbers(client, "/workspace/queue/?overdue=on") == ["LS-T-LATE"]
    figures, _stages = county_figures(region.county, today=today)
    assert next(r for r in figures if r.township == region.township_a).overdue == 1

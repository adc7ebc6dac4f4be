"""The workspace read model follows the flows' own tables, and the lists filter on it
(MSL 11 staff-relative flag, MSL 22 deadlines, assist-first pending)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.dibao import conftest as d
from tests.workspace.conftest import make_case, make_tasks
from workflows.dibao.flows import DibaoFlow
from workflows.households.models import HouseholdMember
from workflows.workspace.indexing import index_values, rebuild_case_index
from workflows.workspace.models import CaseIndex


def _index_matches(process):
    row = CaseIndex.objects.get(process_id=process.pk)
    expected = index_values(type(process).objects.get(pk=process.pk))
    actual = {k: getattr(row, k) for k in expected}
    assert actual == expected
    return row


def test_index_follows_a_case_through_the_flow(region, case_worker_a, case_worker_a2, fake_finance_check):
    """Filing, acceptance (due date set), finance check and home visit each leave the index in sync."""
    process = d.file_case(case_worker_a, region.village_a)
    row = _index_matches(process)
    assert row.applicant_name == "张三" and row.case_number == process.case_number and row.due_on is None
    process = d.accept(process, case_worker_a)
    row = _index_matches(process)
    assert row.due_on == process.effective_due_on and row.due_on is not None
    process = fake_finance_check.finish(process)
    process = d.home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    _index_matches(process)


def test_index_follows_household_renames_and_rebuilds(region):
    """Renaming the applicant updates the index; a rebuild restores deleted rows."""
    process = make_case(region.village_a, name="王五")
    member = HouseholdMember.objects.get(household=process.household)
    member.name = "王五一"
    member.save()
    assert CaseIndex.objects.get(process_id=process.pk).applicant_name == "王五一"
    CaseIndex.objects.all().delete()
    assert rebuild_case_index() == 1
    _index_matches(process)


def test_list_filters_and_search(region, case_worker_a, client_for):
    """Search by case number or name, village, overdue, staff-relative and stage filters."""
    today = timezone.localdate()
    late = make_case(region.village_a, name="逾期户", due_on=today - datetime.timedelta(days=10))
    relative = make_case(region.village_a2, name="亲属户", staff_relative=True, due_on=today + datetime.timedelta(30))
    other = make_case(region.village_a2, name="普通户")
    for p in (late, relative, other):
        make_tasks(p, DibaoFlow.accept, 1)
    make_tasks(other, DibaoFlow.home_visit, 1)
    client = client_for(case_worker_a)

    def numbers(query):
        rows = client.get(f"/workspace/queue/?{query}").context["rows"]
        return [r.case_number for r in rows]

    assert numbers("q=亲属") == [relative.case_number]
    assert numbers(f"q={late.case_number}") == [late.case_number]
    assert numbers("overdue=on") == [late.case_number]
    assert numbers("staff_relative=on") == [relative.case_number]
    assert set(numbers(f"village={region.village_a2.pk}")) == {relative.case_number, other.case_number}
    assert numbers("stage=dibao/home_visit") == [other.case_number]
    # sorted by due date, earliest first, undated last
    assert numbers("sort=due")[:2] == [late.case_number, relative.case_number]
    page = client.get("/workspace/queue/?overdue=on").content.decode()
    assert "逾期" in page and "个工作日" in page


def test_lists_are_scoped_to_the_region(region, case_worker_b, village_assistant_a, client_for):
    """Township B staff see none of township A's tasks; a village assistant only their village."""
    a1 = make_case(region.village_a)
    a2 = make_case(region.village_a2)
    for p in (a1, a2):
        make_tasks(p, DibaoFlow.accept, 1)
    assert client_for(case_worker_b).get("/workspace/queue/").context["page"].paginator.count == 0
    response = client_for(village_assistant_a).get("/workspace/inbox/")
    assert response.status_code == 200

"""Issue 19 (the queue at 1 M): the queues exclude each separation-of-duty alternative as a
``NOT EXISTS`` of its own (``scope.exclude_separated``) instead of negating their OR as one
filter. Same rows as ``separation.excluded_tasks_q`` lists; each kind of exclusion still
removes its task from both the per-flow and the workspace queue (domain.md §1: 回避 / 职责分离:
own work on the case, own household and declared relatives, the case's own rules), while
another approver of the township still sees every one of them."""

from __future__ import annotations

from types import SimpleNamespace

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.workspace.conftest import make_case, make_tasks
from workflows.core.cases import CaseTask
from workflows.core.models import CaseActorRecord, StaffRelative
from workflows.core.scope import claimable_q, exclude_separated
from workflows.core.separation import excluded_tasks_q
from workflows.core.viewsets import ScopedQueueView
from workflows.dibao.flows import DibaoFlow
from workflows.workspace import selectors
from workflows.workspace.indexing import case_flows


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _per_flow(user) -> set[int]:
    view = ScopedQueueView(flow_class=DibaoFlow, viewset=None)
    view.request = SimpleNamespace(user=_fresh(user), GET={}, META={})
    view.args, view.kwargs = (), {}
    return set(view.queryset.values_list("process_id", flat=True))


def _workspace(user) -> set[int]:
    return set(selectors.queue_tasks(_fresh(user)).values_list("process_id", flat=True))


def _cases(region, approver, colleague):
    """Four section-chief signatures waiting in township A: one clean, one whose home visit
    ``approver`` did (own work, the rule table), one whose household holds ``approver``'s
    declared relative, one ``approver`` proposed (the case model's own rule)."""
    clean, visited, related, proposed = (make_case(region.village_a) for _ in range(4))
    visit = Task.objects.create(
        process=visited, flow_task=DibaoFlow.home_visit, flow_task_type="HUMAN", status=STATUS.DONE, owner=approver
    )
    CaseActorRecord.objects.create(task_id=visit.pk, process_id=visited.pk, node_name="home_visit", user=approver)
    relative_id = related.household.members.get().id_number
    StaffRelative.objects.create(user=approver, id_number=relative_id, relation=StaffRelative.Relation.SIBLING)
    type(proposed).objects.filter(pk=proposed.pk).update(proposed_by=approver)
    for case in (clean, visited, related, proposed):
        make_tasks(case, DibaoFlow.sign_section_chief, 1)
    return clean, visited, related, proposed


def test_each_kind_of_separation_still_removes_its_task(region, approver_a, approver_a2):
    """The approver who visited, is related or proposed sees only the clean case, in both
    queues; their colleague, bound by none of it, sees all four."""
    clean, visited, related, proposed = _cases(region, approver_a, approver_a2)
    assert related.household.members.get().id_number  # the relative test has an ID to match
    assert _per_flow(approver_a) == _workspace(approver_a) == {clean.pk}
    everything = {clean.pk, visited.pk, related.pk, proposed.pk}
    assert _per_flow(approver_a2) == _workspace(approver_a2) == everything


def test_same_rows_as_the_negated_or(region, approver_a, approver_a2, case_worker_a):
    """``exclude_separated`` lists exactly what ``exclude(excluded_tasks_q(…))`` lists, for the
    excluded approver, a colleague and a case worker (per flow and across flows)."""
    _cases(region, approver_a, approver_a2)
    for user in (approver_a, approver_a2, case_worker_a):
        for flows in ([DibaoFlow], case_flows()):
            fresh = _fresh(user)
            base = CaseTask.objects.filter_available(flows, fresh).filter(status=STATUS.NEW).filter(claimable_q(fresh))
            split = set(exclude_separated(base, flows, fresh).values_list("pk", flat=True))
            negated = set(base.exclude(excluded_tasks_q(flows, fresh)).values_list("pk", flat=True))
            assert split == negated

"""Finding 6 (docs/performance.md): the node checks compute a case's separation exclusions once per
node, case instance and transaction — never reused after the case changed or across transactions."""

import pytest
from django.db import transaction

from tests.skeleton.test_flow import open_case
from workflows.core.driving import assign_task, open_tasks
from workflows.core.separation import excluded_user_ids
from workflows.skeleton.flows import SkeletonFlow
from workflows.skeleton.models import SkeletonProcess


@pytest.fixture
def calls(monkeypatch):
    counter = {"n": 0}
    original = SkeletonProcess.excluded_actor_ids

    def counting(self, node_name):
        counter["n"] += 1
        return original(self, node_name)

    monkeypatch.setattr(SkeletonProcess, "excluded_actor_ids", counting)
    return counter


def test_repeated_checks_in_one_transaction_compute_once_and_answer_per_user(region, case_worker_a, approver_a, calls):
    """can_assign / can_execute asked again on the same task compute the exclusions once; the opener
    (who finished "start") is refused the review and the approver allowed, from the same remembered set."""
    process = open_case(case_worker_a, region.village_a)
    calls["n"] = 0  # opening the case asked once already (who to tell of the new task), in its own transaction
    with transaction.atomic():
        task = open_tasks(process, SkeletonFlow.review).get()
        node = task.flow_task
        assert node.can_assign(approver_a, task)
        assert not node.can_assign(case_worker_a, task)
        assert node.is_separated(case_worker_a, task)
        assert not node.is_separated(approver_a, task)
        assert calls["n"] == 1


def test_saved_case_and_rollback_recompute(region, case_worker_a, approver_a, calls):
    """Saving the case forgets the remembered exclusions, and so does a rollback (to a savepoint, or of the
    transaction): each check after that reads afresh."""
    process = open_case(case_worker_a, region.village_a)
    calls["n"] = 0  # opening the case asked once already (who to tell of the new task), in its own transaction
    with transaction.atomic():
        task = open_tasks(process, SkeletonFlow.review).get()
        node = task.flow_task
        assert node.can_assign(approver_a, task)
        task.process.coerced.save()  # same instance the checks use (viewflow caches the subclass row)
        assert node.can_assign(approver_a, task)
        assert calls["n"] == 2
        with pytest.raises(RuntimeError), transaction.atomic():
            raise RuntimeError("rolled back")
        assert node.can_assign(approver_a, task)
        assert calls["n"] == 3
        assert node.can_assign(approver_a, task)
        assert calls["n"] == 3


def test_a_finished_human_task_drops_the_remembered_set(region, case_worker_a, approver_a, calls):
    """A human task finishing records a new actor (``record_case_actor``): the remembered exclusions of
    that case instance are dropped, and the next check reads afresh."""
    from viewflow.workflow.signals import task_finished

    process = open_case(case_worker_a, region.village_a)
    assign_task(open_tasks(process, SkeletonFlow.review).get(), user=approver_a)
    calls["n"] = 0
    with transaction.atomic():
        task = open_tasks(process, SkeletonFlow.review).get()
        case = task.process.coerced
        assert task.flow_task.can_execute(approver_a, task)
        assert "_separation_memo" in case.__dict__
        task_finished.send(sender=SkeletonFlow, process=case, task=task)  # as viewflow does at completion
        assert "_separation_memo" not in case.__dict__
        assert task.flow_task.can_execute(approver_a, task)
        assert calls["n"] == 2


def test_generic_rule_is_one_query(region, case_worker_a, django_assert_num_queries):
    """The declared rule and the household rule are answered by one statement."""
    process = SkeletonProcess.objects.get(pk=open_case(case_worker_a, region.village_a).pk)
    with django_assert_num_queries(1):
        assert excluded_user_ids(process, "review") == {case_worker_a.pk}


def test_household_rule_in_sql_matches_relatives_and_own_id(region, case_worker_a, approver_a, approver_b):
    """Staff whose declared relative or own ID number is a member of the case's household are excluded
    (MSL 11, 20), read in the same statement; staff with unrelated or empty ID numbers are not."""
    from tests.dibao.conftest import file_case, member
    from workflows.core.models import StaffProfile, StaffRelative

    process = file_case(case_worker_a, region.village_a, members=[member(seq=111)])
    member_id = process.household.members.get().id_number
    StaffRelative.objects.create(user=approver_a, id_number=member_id, relation=StaffRelative.Relation.SIBLING)
    StaffProfile.objects.create(user=approver_b, id_number="")
    assert excluded_user_ids(process, "accept") == {approver_a.pk}
    StaffProfile.objects.create(user=case_worker_a, id_number=member_id)
    assert excluded_user_ids(process, "accept") == {approver_a.pk, case_worker_a.pk}


def test_the_services_own_check_uses_the_remembered_set(region, case_worker_a, calls):
    """Issue 19: the review service's separation check right before its write, in the node
    checks' transaction on the same case instance, uses their set (no second read) and
    still refuses the opener (domain.md §1: who registered a case does not review it)."""
    from django.core.exceptions import PermissionDenied

    from workflows.skeleton import services

    process = open_case(case_worker_a, region.village_a)
    calls["n"] = 0
    with transaction.atomic():
        task = open_tasks(process, SkeletonFlow.review).get()
        assert task.flow_task.is_separated(case_worker_a, task)
        with pytest.raises(PermissionDenied):
            services.case_review(process=task.process.coerced, approved=True, note="", actor=case_worker_a)
        assert calls["n"] == 1


def test_the_investigators_are_excluded_by_the_rules_statement(region, case_worker_a, approver_a, approver_b):
    """Both investigators named on a 低保 visit record may not sign as section chief (MSL 20):
    read in the declared rules' one statement, not by a read of their own; the handler's
    signature does not exclude them."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.dibao.conftest import file_case
    from workflows.dibao.models import DibaoProcess, HomeVisit

    process = file_case(case_worker_a, region.village_a)
    HomeVisit.objects.create(
        process=process, investigator_1=approver_a, investigator_2=approver_b,
        visited_on=datetime.date(2026, 1, 5), findings="属实", family_signatories="张三",
    )  # fmt: skip
    case = DibaoProcess.objects.get(pk=process.pk)
    with CaptureQueriesContext(connection) as queries:
        chief = case.excluded_actor_ids("sign_section_chief")
    assert {approver_a.pk, approver_b.pk} <= chief
    assert len(queries.captured_queries) == 1
    assert not {approver_a.pk, approver_b.pk} & case.excluded_actor_ids("sign_handler")

"""Separation of duties (domain.md §1: nobody acts on a case of their own household or of
a declared near relative): behaviour mutation testing found no test for (issue 15 item 10)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.dibao.conftest import file_case, member
from tests.factories import make_id_number
from tests.skeleton.test_flow import open_case
from workflows.core.cases import CaseTask, household_member_model
from workflows.core.models import StaffProfile, StaffRelative
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.core.separation import conflict_id_numbers, excluded_tasks_q, excluded_user_ids, users_related_to
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import DibaoProcess
from workflows.skeleton.flows import SkeletonFlow


@pytest.fixture
def worker_also_approver(region, case_worker_a):
    """A township A case worker who also holds the approver role (one person, two roles)."""
    assignment_grant(user=case_worker_a, role=Role.APPROVER, region=region.township_a)
    return case_worker_a


def test_conflict_ids_are_the_staff_members_own_and_their_relatives(case_worker_a, django_assert_num_queries):
    """domain.md §1: the ID numbers a staff member may not act on are their own (staff
    profile) and each declared relative's, as plain ID numbers; the second look-up in the
    same request is served from the user object (no query)."""
    own, relative = make_id_number(), make_id_number()
    StaffProfile.objects.create(user=case_worker_a, id_number=own)
    StaffRelative.objects.create(user=case_worker_a, id_number=relative, relation=StaffRelative.Relation.SIBLING)
    assert conflict_id_numbers(case_worker_a) == frozenset({own, relative})
    with django_assert_num_queries(0):
        assert conflict_id_numbers(case_worker_a) == frozenset({own, relative})


def test_no_conflict_ids_without_a_declaration_or_a_login(case_worker_a):
    """The negative: a staff member with no ID number on file and no declared relative has
    none, and neither has an anonymous visitor."""
    assert conflict_id_numbers(case_worker_a) == frozenset()
    assert conflict_id_numbers(AnonymousUser()) == frozenset()


def test_the_queue_hides_the_cases_of_a_declared_relative_only(region, case_worker_a, case_worker_a2):
    """domain.md §1 (MSL 11), the queue's SQL twin of the node check: every task of a case
    whose household holds a relative the staff member declared is hidden from them; a
    case of another household is not; a flow with no household (the sample flow) hides
    nothing for that reason and does not fail."""
    applicant = member()
    StaffRelative.objects.create(user=case_worker_a2, id_number=applicant.id_number, relation="sibling")
    related = file_case(case_worker_a, region.village_a, members=[applicant])
    unrelated = file_case(case_worker_a, region.village_a, members=[member(seq=202)])
    hidden = set(
        CaseTask.objects.filter(excluded_tasks_q([DibaoFlow], case_worker_a2)).values_list("process_id", flat=True)
    )
    assert related.pk in hidden
    assert unrelated.pk not in hidden
    assert not CaseTask.objects.filter(excluded_tasks_q([SkeletonFlow], case_worker_a2)).exists()


def test_the_queue_hides_only_the_cases_the_user_opened(region, worker_also_approver, case_worker_a2):
    """domain.md §1 (own work), in SQL: the approver who opened a case cannot review that
    case, but may review a case someone else opened."""
    mine = open_case(worker_also_approver, region.village_a)
    theirs = open_case(case_worker_a2, region.village_a)
    hidden = set(
        CaseTask.objects.filter(excluded_tasks_q([SkeletonFlow], worker_also_approver)).values_list(
            "process_id", flat=True
        )
    )
    assert mine.pk in hidden
    assert theirs.pk not in hidden


def test_a_member_without_an_id_number_matches_no_staff_member_without_one(region, case_worker_a, approver_a):
    """domain.md §1 (MSL 11): the household rule matches ID numbers, not their absence: a
    household member recorded without one does not exclude a staff member whose profile
    has none either. The positive: a member whose ID number is on a staff profile does."""
    process = file_case(case_worker_a, region.village_a)
    first, second = household_member_model(DibaoProcess).objects.filter(household_id=process.household_id)
    type(first).objects.filter(pk=first.pk).update(id_number="")
    StaffProfile.objects.create(user=approver_a, id_number="")
    StaffProfile.objects.create(user=case_worker_a, id_number=second.id_number)
    excluded = excluded_user_ids(DibaoProcess.objects.get(pk=process.pk), "sign_township_head")
    assert case_worker_a.pk in excluded
    assert approver_a.pk not in excluded


def test_the_queue_hides_a_case_of_a_relative_declared_after_it_was_filed(region, case_worker_a, case_worker_a2):
    """domain.md §1 (MSL 11): the queue checks the household against the relatives a staff
    member has declared now, not only the staff-relative flag set on the case when it was
    filed: a relative declared afterwards hides every task of that case at once (the
    node check refuses it too); a case of another household stays visible."""
    applicant = member()
    related = file_case(case_worker_a, region.village_a, members=[applicant])
    unrelated = file_case(case_worker_a, region.village_a, members=[member(seq=202)])
    StaffRelative.objects.create(user=case_worker_a2, id_number=applicant.id_number, relation="sibling")
    assert not DibaoProcess.objects.get(pk=related.pk).staff_relative  # not flagged at filing
    hidden = set(
        CaseTask.objects.filter(excluded_tasks_q([DibaoFlow], case_worker_a2)).values_list("process_id", flat=True)
    )
    assert related.pk in hidden
    assert unrelated.pk not in hidden
    assert case_worker_a2.pk in excluded_user_ids(DibaoProcess.objects.get(pk=related.pk), "accept")


def test_users_related_to_names_the_staff_users_not_their_profiles(case_worker_a, case_worker_a2):
    """domain.md §1: the staff related to a household are named by their user ids (the ids
    the node check compares with who may act), found through their own or a declared
    relative's ID number; nobody for an empty or unknown number."""
    own, relative = make_id_number(), make_id_number()
    StaffProfile.objects.create(user=case_worker_a2, id_number="")  # a profile row first: pks differ from user ids
    profile = StaffProfile.objects.create(user=case_worker_a, id_number=own)
    StaffRelative.objects.create(user=case_worker_a2, id_number=relative, relation=StaffRelative.Relation.SIBLING)
    assert profile.pk != case_worker_a.pk
    assert users_related_to([own, relative, ""]) == {case_worker_a.pk, case_worker_a2.pk}
    assert users_related_to(["", make_id_number()]) == set()


# --- who acted: the record, a deputy's principal, the case filter (domain.md §1) ---------------


@pytest.fixture
def deputy_a2(region, approver_a):
    """approver_a2 stands in for approver_a (代理审批) from today."""
    import datetime

    from django.utils import timezone

    from tests.factories import UserFactory
    from workflows.core.standins import standin_create

    deputy = UserFactory(username="approver_a2")
    assignment_grant(user=deputy, role=Role.APPROVER, region=region.township_a)
    standin_create(principal=approver_a, deputy=deputy, township=region.township_a, start_date=timezone.localdate(),
                   end_date=timezone.localdate() + datetime.timedelta(days=3), actor=approver_a)  # fmt: skip
    return deputy


def test_a_repeated_finish_signal_keeps_the_first_record(region, case_worker_a, approver_a, approver_b):
    """domain.md §1: who finished a task is recorded once; a finish signal sent again for
    the same task (another owner by then) neither adds a row nor replaces the first actor."""
    from viewflow.workflow.signals import task_finished

    from tests.skeleton.test_flow import review
    from workflows.core.driving import open_tasks
    from workflows.core.models import CaseActorRecord

    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    review(task, approver_a)
    task.refresh_from_db()
    task.owner = approver_b
    task_finished.send(sender=SkeletonFlow, process=process, task=task)
    rows = CaseActorRecord.objects.filter(task_id=task.pk).values_list("user_id", "node_name", "role_kind")
    assert list(rows) == [(approver_a.pk, "review", "approved")]


def test_a_deputys_action_counts_for_the_principal_too(region, case_worker_a, approver_a, deputy_a2):
    """domain.md §1 (代理审批): a review the deputy finished on the principal's behalf is
    recorded with both, and the sampling draw's look-up (MSL 20) names both for that
    node, for an exact node name, a pattern or both; the opener only for "start"."""
    from tests.skeleton.test_flow import review
    from workflows.core.driving import assign_task, open_tasks
    from workflows.core.models import CaseActorRecord
    from workflows.core.separation import actors_of

    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    assign_task(task, user=approver_a)
    task.refresh_from_db()
    review(task, deputy_a2)
    record = CaseActorRecord.objects.get(task_id=task.pk)
    assert (record.user_id, record.on_behalf_of_id, record.role_kind) == (deputy_a2.pk, approver_a.pk, "approved")
    both = {deputy_a2.pk, approver_a.pk}
    assert actors_of([process.pk], ["review"]) == {process.pk: both}
    assert actors_of([process.pk], ["r*"]) == {process.pk: both}
    assert actors_of([process.pk], ["start", "r?view"]) == {process.pk: {case_worker_a.pk, *both}}
    assert actors_of([process.pk], ["start"]) == {process.pk: {case_worker_a.pk}}
    assert actors_of([process.pk], []) == {}


def test_a_node_without_a_declared_kind_is_recorded_as_acted():
    """A process model names the kind of some nodes (opened, approved); any other node's
    finisher is recorded as having acted, also for a model that declares none."""
    from workflows.core.cases import CaseFields
    from workflows.core.separation import role_kind_for
    from workflows.skeleton.models import SkeletonProcess

    assert role_kind_for(SkeletonProcess, "review") == "approved"
    assert role_kind_for(SkeletonProcess, "end") == "acted"
    assert role_kind_for(CaseFields, "review") == "acted"


def test_an_object_that_is_no_user_has_no_conflict_ids():
    """Only a logged-in user has conflict ID numbers: anything else (no ``is_authenticated``
    at all) has none, without a query."""
    assert conflict_id_numbers(object()) == frozenset()


def test_only_this_cases_actors_are_excluded(region, case_worker_a, case_worker_a2):
    """domain.md §1 (own work): the opener of this case may not review it; the opener of
    another case may."""
    mine = open_case(case_worker_a, region.village_a)
    open_case(case_worker_a2, region.village_a)
    assert excluded_user_ids(mine, "review") == {case_worker_a.pk}

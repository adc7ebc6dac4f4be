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

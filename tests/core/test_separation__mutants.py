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


def test_a_finish_signal_for_an_unclaimed_task_records_nobody(region, case_worker_a, approver_a):
    """domain.md §1: only who finished a human task is recorded; a finish signal for a task
    nobody holds (no owner, even with a principal named in its data) records no actor, no
    "on behalf of" event, and does not fail."""
    from viewflow.workflow.signals import task_finished

    from workflows.core.driving import open_tasks
    from workflows.core.models import AuditEvent, CaseActorRecord

    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    task.data = {**(task.data or {}), "on_behalf_of": approver_a.pk}
    assert task.owner_id is None
    task_finished.send(sender=SkeletonFlow, process=process, task=task)
    assert not CaseActorRecord.objects.filter(task_id=task.pk).exists()
    assert not AuditEvent.objects.filter(action="case.on_behalf").exists()


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


# --- the queue's SQL: a deputy's principal, the rules adding up (domain.md §1) ------------------


def _hidden(flow_class, user) -> set[int]:
    """The cases whose tasks ``excluded_tasks_q`` hides from ``user`` (a fresh user object: the
    conflict ID numbers are cached on it)."""
    user = type(user).objects.get(pk=user.pk)
    return set(CaseTask.objects.filter(excluded_tasks_q([flow_class], user)).values_list("process_id", flat=True))


def test_a_node_a_deputy_finished_binds_the_principal_too(region, case_worker_a, approver_a, approver_b):
    """domain.md §1 (own work, 代理审批): a node a deputy finished on a principal's behalf is
    the principal's work as well as the deputy's. The case's review (which its opener may not
    do) is hidden from the deputy who opened it and from the principal they acted for, in the
    queue's SQL as in the node check; another approver still sees it."""
    from tests.factories import UserFactory
    from workflows.core.models import CaseActorRecord

    deputy = UserFactory(username="deputy_opener")
    case = open_case(case_worker_a, region.village_a)
    CaseActorRecord.objects.create(process_id=case.pk, node_name="start", user=deputy, on_behalf_of=approver_a,
                                   task_id=990_101, role_kind="opened")  # fmt: skip
    assert case.pk in _hidden(SkeletonFlow, deputy)
    assert case.pk in _hidden(SkeletonFlow, approver_a)
    assert case.pk not in _hidden(SkeletonFlow, approver_b)
    assert excluded_user_ids(case, "review") == {case_worker_a.pk, deputy.pk, approver_a.pk}


def test_the_queues_rules_add_up_and_keep_to_their_nodes(region, approver_a):
    """domain.md §1 / MSL 11, the queue's SQL: each rule hides its own tasks and none replaces
    another. One section chief: the case whose home visit they finished (own work, the declared
    rule), the case they proposed on (the 低保 model's own rule) and the case of a relative they
    declared (household rule) are all hidden at the signature; the proposal hides only the
    nodes after the investigation (not the case's acceptance), and a case with none of these
    stays visible."""
    from tests.workspace.conftest import make_case, make_tasks
    from workflows.core.models import CaseActorRecord

    own, proposed, relative, free = (make_case(region.village_a) for _ in range(4))
    DibaoProcess.objects.filter(pk=proposed.pk).update(proposed_by=approver_a)
    CaseActorRecord.objects.create(process_id=own.pk, node_name="home_visit", user=approver_a, task_id=990_201)
    member_id = household_member_model(DibaoProcess).objects.filter(household_id=relative.household_id).get().id_number
    StaffRelative.objects.create(user=approver_a, id_number=member_id, relation=StaffRelative.Relation.SIBLING)
    for case in (own, proposed, relative, free):
        make_tasks(case, DibaoFlow.sign_section_chief, 1)
    assert _hidden(DibaoFlow, approver_a) == {own.pk, proposed.pk, relative.pk}
    CaseTask.objects.filter(process_id=proposed.pk).update(flow_task=DibaoFlow.accept)  # now at acceptance
    assert _hidden(DibaoFlow, approver_a) == {own.pk, relative.pk}


def test_own_work_hides_only_the_nodes_its_rule_pairs_with_it(region, approver_a):
    """domain.md §1 (own work), the queue's SQL reads the declared pairs (node, forbidden node):
    whoever did a case's home visit does not see its section chief's signature, but does see
    its handler's signature (no rule forbids that); whoever only accepted a case (a node no
    rule names for the signature) sees the section chief's signature."""
    from tests.workspace.conftest import make_case, make_tasks
    from workflows.core.models import CaseActorRecord

    visited, accepted = make_case(region.village_a), make_case(region.village_a)
    CaseActorRecord.objects.create(process_id=visited.pk, node_name="home_visit", user=approver_a, task_id=990_301)
    CaseActorRecord.objects.create(process_id=accepted.pk, node_name="accept", user=approver_a, task_id=990_302)
    for case in (visited, accepted):
        make_tasks(case, DibaoFlow.sign_section_chief, 1)
        make_tasks(case, DibaoFlow.sign_handler, 1)
    user = type(approver_a).objects.get(pk=approver_a.pk)
    hidden = CaseTask.objects.filter(excluded_tasks_q([DibaoFlow], user)).values_list("process_id", "flow_task")
    assert set(hidden) == {(visited.pk, DibaoFlow.sign_section_chief)}


# --- the declared rules as a table (issue 19 item 4) -------------------------------------------


def test_the_declared_rules_do_not_depend_on_what_was_imported_before():
    """Issue 19 item 4 (domain.md §1's rules as rows): ``declared_rules`` imports every
    programme's flows module itself, so a process that has only set Django up (``migrate
    --skip-checks``, a worker) writes the same rule table, not one without the programmes
    nothing had imported yet."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    from workflows.core.separation import declared_rules

    code = (
        "import django, json; django.setup()\n"
        "from workflows.core.separation import declared_rules\n"
        "print(json.dumps(sorted(declared_rules())))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=dict(os.environ),
                          capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    fresh = {tuple(rule) for rule in json.loads(done.stdout.splitlines()[-1])}
    assert fresh == declared_rules()
    assert any(task.startswith("dibao/flows.") for task, _ in fresh)  # a module django.setup() does not import


def test_the_rule_table_is_compared_and_written_on_the_database_asked_for(db):
    """``manage.py check --database X`` compares, and ``migrate --database X`` writes, the rule
    table of X, never silently the default database's: an alias not configured is refused."""
    from django.utils.connection import ConnectionDoesNotExist

    from workflows.core.separation import rule_table_differences, sync_rule_table

    with pytest.raises(ConnectionDoesNotExist):
        rule_table_differences("elsewhere")
    with pytest.raises(ConnectionDoesNotExist):
        sync_rule_table("elsewhere")


def test_the_rule_table_check_names_the_differences(db, monkeypatch):
    """``core.W120`` (a warning) counts the rows missing and those declared nowhere, shows the
    first three, and says how to put it right; a database whose table does not exist yet (not
    migrated) is skipped without stopping the check of the next one."""
    from django.core import checks
    from django.db import connection

    from workflows.core.models import SeparationRule
    from workflows.core.separation import check_rule_table, sync_rule_table

    removed = sorted(SeparationRule.objects.values_list("flow_task", "excluded_node"))[:4]
    for flow_task, excluded_node in removed:
        SeparationRule.objects.filter(flow_task=flow_task, excluded_node=excluded_node).delete()
    SeparationRule.objects.create(flow_task=removed[0][0], excluded_node="no_such_node")
    [warning] = check_rule_table(databases=["default"])
    assert warning.level == checks.WARNING and warning.id == "core.W120"
    assert warning.msg.startswith(
        "SeparationRule differs from the declared separation_rules: 4 missing, 1 not declared ("
    )
    shown = sorted({*removed, (removed[0][0], "no_such_node")})
    assert str(shown[:3]) in warning.msg and str(shown[3]) not in warning.msg
    assert warning.hint == "Run manage.py migrate (its post_migrate handler writes the table)."
    # Putting it right removes just the row declared nowhere, not the other rules of its node.
    assert sync_rule_table() == (4, 1)
    assert check_rule_table(databases=["default"]) == []
    SeparationRule.objects.create(flow_task=removed[0][0], excluded_node="no_such_node")

    table_names, calls = connection.introspection.table_names, []

    def not_migrated_at_first(*args):
        calls.append(args)
        return [] if len(calls) == 1 else table_names(*args)

    monkeypatch.setattr(connection.introspection, "table_names", not_migrated_at_first)
    assert [w.id for w in check_rule_table(databases=["default", "default"])] == ["core.W120"]

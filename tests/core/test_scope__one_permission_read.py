"""Issue 19 ("one permission query per request"): the scope, the object permissions of the
user and of their groups and the model-wide permissions are read in one statement, and what
is kept from it is exactly what Django's ``ModelBackend`` and guardian would read themselves
(domain.md §1: who may see and claim what)."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from tests.workspace.conftest import make_case, make_tasks
from workflows.core.scope import object_permission_pairs, user_scope
from workflows.core.viewsets import ScopedQueueView
from workflows.dibao.flows import DibaoFlow

PERMISSION_TABLES = ("guardian_userobjectpermission", "guardian_groupobjectpermission", "auth_permission")


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _with_everything(region, user):
    """A user with a permission of every kind: their own object permissions (the role's),
    a group's object permission, a model-wide permission of their own and of the group."""
    group = Group.objects.create(name="借调")
    assign_perm("core.act_approver", group, region.township_b)
    group.permissions.add(Permission.objects.get(codename="audit_county"))
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="act_county_officer"))
    return group


def test_the_caches_hold_what_django_and_guardian_read_themselves(region, case_worker_a):
    """After ``user_scope`` the model-wide permission sets are those ``ModelBackend`` reads
    (user, group, all) and the object permission pairs those of the user's and their groups'
    guardian rows; the scope itself is unchanged."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    _with_everything(region, case_worker_a)
    django = _fresh(case_worker_a)
    expected = (django.get_user_permissions(), django.get_group_permissions(), django.get_all_permissions())
    assert "core.act_county_officer" in expected[0] and "core.audit_county" in expected[1]
    primed = _fresh(case_worker_a)
    scope = user_scope(primed)
    assert (primed._user_perm_cache, primed._group_perm_cache, primed._perm_cache) == expected
    assert (primed.get_user_permissions(), primed.get_group_permissions(), primed.get_all_permissions()) == expected
    rows = [
        *UserObjectPermission.objects.filter(user=case_worker_a).values_list(
            "content_type__app_label", "permission__codename", "object_pk"
        ),
        *GroupObjectPermission.objects.filter(group__user=case_worker_a).values_list(
            "content_type__app_label", "permission__codename", "object_pk"
        ),
    ]
    assert object_permission_pairs(primed) == {(f"{app}.{codename}", pk) for app, codename, pk in rows}
    assert ("core.act_approver", str(region.township_b.pk)) in object_permission_pairs(primed)
    assert scope.township_ids == {region.township_a.pk}  # a group's act_approver grants no view


def test_a_queue_page_reads_permissions_once(region, case_worker_a):
    """The per-flow queue (scope, claimable test, model-wide permissions, separation's conflict
    ID numbers) touches the permission and staff tables in one statement per request, however
    many kinds of permission the user holds; a superuser's model-wide set stays Django's own
    (all permissions)."""
    _with_everything(region, case_worker_a)
    make_tasks(make_case(region.village_a), DibaoFlow.accept, 2)
    view = ScopedQueueView(flow_class=DibaoFlow, viewset=None)
    view.request = SimpleNamespace(user=_fresh(case_worker_a), GET={}, META={})
    view.args, view.kwargs = (), {}
    with CaptureQueriesContext(connection) as ctx:
        assert view.queryset.count() == 2
    reads = [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in PERMISSION_TABLES)]
    assert len(reads) == 1 and reads[0].count("UNION ALL") == 5
    staff = [
        q["sql"] for q in ctx.captured_queries if "core_staffrelative" in q["sql"] or "core_staffprofile" in q["sql"]
    ]
    assert staff == reads  # the conflict ID numbers come with the permissions


def test_a_superuser_keeps_djangos_own_permission_set(region, case_worker_a):
    """A superuser holds every permission: the one read does not narrow it to their rows."""
    case_worker_a.is_superuser = True
    case_worker_a.save(update_fields=["is_superuser"])
    user = _fresh(case_worker_a)
    user_scope(user)
    everything = Permission.objects.values_list("content_type__app_label", "codename")
    assert user.get_all_permissions() == {f"{app}.{codename}" for app, codename in everything}


def test_the_conflict_ids_come_with_the_permissions_and_are_separations_own(region, case_worker_a, approver_a):
    """domain.md §1 (回避): the conflict ID numbers read with the permissions are exactly those
    ``separation.conflict_id_numbers`` reads on its own (the staff member's own ID number, if
    on file, and every declared relative's), and a colleague's declarations are not theirs.
    The negative: a user with none declared has none."""
    from workflows.core.models import StaffProfile, StaffRelative
    from workflows.core.separation import conflict_id_numbers

    own, relative, colleagues = "110101199001011234", "110101199202022345", "110101199303033456"
    StaffProfile.objects.update_or_create(user=case_worker_a, defaults={"id_number": own})
    StaffRelative.objects.create(user=case_worker_a, id_number=relative, relation=StaffRelative.Relation.SIBLING)
    StaffRelative.objects.create(user=approver_a, id_number=colleagues, relation=StaffRelative.Relation.SIBLING)
    alone = _fresh(case_worker_a)
    expected = conflict_id_numbers(alone)
    assert expected == {own, relative}
    primed = _fresh(case_worker_a)
    user_scope(primed)
    with CaptureQueriesContext(connection) as ctx:
        assert conflict_id_numbers(primed) == expected
    assert not ctx.captured_queries
    StaffProfile.objects.filter(user=approver_a).update(id_number="")
    StaffRelative.objects.filter(user=approver_a).delete()
    nobody = _fresh(approver_a)
    user_scope(nobody)
    assert conflict_id_numbers(nobody) == frozenset()

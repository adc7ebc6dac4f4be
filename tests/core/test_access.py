"""The one access helper (``workflows.core.access``): acting rights are per region (domain.md §1)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from workflows.core.access import LEVEL_OF, access_case, holds


def test_holds_only_in_the_users_own_region(region, approver_a, case_worker_a, county_officer):
    """An approver of township A acts in A, not in B; a case worker is no approver; a county
    officer acts on the county, not as a township approver; instance or pk both work."""
    assert holds(approver_a, "act_approver", township=region.township_a)
    assert holds(approver_a, "act_approver", township=region.township_a.pk)
    assert not holds(approver_a, "act_approver", township=region.township_b.pk)
    assert not holds(case_worker_a, "act_approver", township=region.township_a.pk)
    assert holds(county_officer, "act_county_officer", county=region.county.pk)
    assert not holds(county_officer, "act_approver", township=region.township_a.pk)
    assert not holds(approver_a, "act_approver", township=None)  # a case without a township


def test_a_model_wide_permission_is_not_a_region(region, case_worker_b):
    """A model-wide ``core.act_approver`` (never granted by the app, but possible in the admin)
    gives no township: only object permissions count."""
    case_worker_b.user_permissions.add(Permission.objects.get(codename="act_approver"))
    assert not holds(case_worker_b, "act_approver", township=region.township_a.pk)


def test_holds_names_exactly_one_region(approver_a, region):
    """Naming no region or two is a programming error, not a silent no."""
    with pytest.raises(TypeError):
        holds(approver_a, "act_approver")
    with pytest.raises(TypeError):
        holds(approver_a, "act_approver", township=region.township_a.pk, county=region.county.pk)


def test_access_case_refuses_the_wrong_township_and_the_excluded_actor(region, approver_a, approver_b):
    """``access_case`` raises the caller's message for the wrong region, and the separation
    message for an actor excluded from the step; passes otherwise."""
    case = SimpleNamespace(
        township_id=region.township_a.pk, excluded_actor_ids=lambda node: {approver_a.pk} if node == "decide" else set()
    )
    access_case(approver_a, case, "act_approver", error="wrong region")
    with pytest.raises(PermissionDenied, match="wrong region"):
        access_case(approver_b, case, "act_approver", error="wrong region")
    with pytest.raises(PermissionDenied, match="own case"):
        access_case(approver_a, case, "act_approver", error="wrong region", node="decide", separation_error="own case")


def test_every_acting_codename_has_a_level():
    """The level of each ``act_*`` codename comes from the region models' permissions."""
    assert LEVEL_OF["act_case_worker"] == "township"
    assert LEVEL_OF["act_county_reviewer"] == "county"
    assert LEVEL_OF["act_village_assistant"] == "village"


def _guardian_pks(user, codename, klass):
    """What guardian's own lookup answers (the reference the per-request rows must match)."""
    from guardian.shortcuts import get_objects_for_user

    return set(
        get_objects_for_user(
            user, f"core.{codename}", klass=klass, with_superuser=False, accept_global_perms=False
        ).values_list("pk", flat=True)
    )


@pytest.mark.parametrize("codename", ["act_approver", "act_case_worker", "view_township_cases"])
def test_regions_where_answers_as_guardian_for_own_group_and_model_wide_rows(
    region, approver_a, case_worker_b, codename
):
    """``regions_where`` (read from the request's permission rows) returns exactly guardian's
    regions: the user's own object permission, a group's object permission (township B through
    a group), and never a model-wide permission or another codename's row (domain.md §1)."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from workflows.core.models import Township
    from workflows.core.scope import regions_where

    group = Group.objects.create(name="matrix-group")
    assign_perm(f"core.{codename}", group, region.township_b)
    approver_a.groups.add(group)
    case_worker_b.user_permissions.add(Permission.objects.get(codename="act_approver"))
    for user in (approver_a, case_worker_b):
        got = set(regions_where(user, codename, Township).values_list("pk", flat=True))
        assert got == _guardian_pks(user, codename, Township)
    assert region.township_b.pk in set(regions_where(approver_a, codename, Township).values_list("pk", flat=True))
    assert set(regions_where(case_worker_b, "act_approver", Township).values_list("pk", flat=True)) == set()


def test_holds_asks_no_query_once_the_rows_are_read_and_sees_a_revocation_at_once(
    region, approver_a, django_assert_num_queries
):
    """The navigation's checks (``holds``) cost nothing after the request's one permission
    query; a revoked assignment is seen by the next check on the same user object."""
    from workflows.core.models import StaffAssignment
    from workflows.core.permissions import assignment_revoke
    from workflows.core.scope import user_scope

    user_scope(approver_a)
    with django_assert_num_queries(0):
        assert holds(approver_a, "act_approver", township=region.township_a.pk)
        assert not holds(approver_a, "act_approver", township=region.township_b.pk)
        assert not holds(approver_a, "act_county_officer", county=region.county.pk)
    assignment_revoke(assignment=StaffAssignment.objects.get(user=approver_a))
    assert not holds(approver_a, "act_approver", township=region.township_a.pk)


def test_an_inactive_user_is_answered_by_guardian(region, approver_a):
    """An inactive user's rows are not read per request: ``regions_where`` asks guardian,
    which still lists the object rows (what it answered before)."""
    from workflows.core.models import Township
    from workflows.core.scope import region_pks_where, regions_where

    approver_a.is_active = False
    assert region_pks_where(approver_a, "act_approver", Township) is None
    got = set(regions_where(approver_a, "act_approver", Township).values_list("pk", flat=True))
    assert got == _guardian_pks(approver_a, "act_approver", Township) == {region.township_a.pk}

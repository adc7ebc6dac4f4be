"""Staff assignments are the only source of region permissions (domain.md §1)."""

import pytest
from django.core.exceptions import ValidationError
from guardian.models import UserObjectPermission

from tests import factories
from workflows.core.models import AuditEvent, StaffAssignment
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant, assignment_revoke
from workflows.core.scope import user_scope


def perms_of(user):
    return set(UserObjectPermission.objects.filter(user=user).values_list("permission__codename", "object_pk"))


def test_grant_sets_object_permissions_on_the_township(region):
    """Granting a case worker of township A gives exactly the township-A permissions."""
    user = factories.UserFactory()
    assignment_grant(user=user, role=Role.CASE_WORKER, region=region.township_a)
    ta = str(region.township_a.pk)
    assert perms_of(user) == {("view_township_cases", ta), ("act_case_worker", ta)}
    assert user.has_perm("core.act_case_worker", region.township_a)
    assert not user.has_perm("core.act_case_worker", region.township_b)
    assert not user.has_perm("core.act_case_worker")  # never model-wide


def test_revoke_keeps_permissions_another_assignment_still_grants(region):
    """Two roles in one township share view_township_cases; revoking one keeps it."""
    user = factories.UserFactory()
    worker = assignment_grant(user=user, role=Role.CASE_WORKER, region=region.township_a)
    assignment_grant(user=user, role=Role.APPROVER, region=region.township_a)
    assignment_revoke(assignment=worker)
    ta = str(region.township_a.pk)
    assert perms_of(user) == {("view_township_cases", ta), ("act_approver", ta)}


def test_revoke_removes_everything_and_scope_follows(region):
    """After the last assignment is revoked the user sees no township at all."""
    user = factories.UserFactory()
    a = assignment_grant(user=user, role=Role.CASE_WORKER, region=region.township_a)
    assert user_scope(user).township_ids == {region.township_a.pk}
    assignment_revoke(assignment=a)
    assert perms_of(user) == set()
    user = type(user).objects.get(pk=user.pk)  # a new request loads the user afresh
    assert user_scope(user).is_empty
    assert StaffAssignment.objects.get(pk=a.pk).revoked_at is not None


def test_grant_is_idempotent(region):
    """Re-running a grant (e.g. seed_demo twice) creates no second assignment."""
    user = factories.UserFactory()
    first = assignment_grant(user=user, role=Role.APPROVER, region=region.township_a)
    second = assignment_grant(user=user, role=Role.APPROVER, region=region.township_a)
    assert first.pk == second.pk
    assert StaffAssignment.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    ("role", "region_attr"),
    [(Role.CASE_WORKER, "county"), (Role.COUNTY_OFFICER, "township_a"), (Role.VILLAGE_ASSISTANT, "township_a")],
)
def test_region_must_match_role_scope(region, role, region_attr):
    """A township role cannot be granted on a county, a county role not on a township, etc."""
    user = factories.UserFactory()
    with pytest.raises(ValidationError):
        assignment_grant(user=user, role=role, region=getattr(region, region_attr))
    assert not StaffAssignment.objects.filter(user=user).exists()
    assert perms_of(user) == set()


def test_county_role_sees_every_township_of_the_county(region, county_officer, auditor):
    """County staff and auditors see all townships of their county (domain.md §1)."""
    expected = {region.township_a.pk, region.township_b.pk}
    assert user_scope(county_officer).township_ids == expected
    assert user_scope(auditor).township_ids == expected


def test_village_assistant_sees_only_their_village(region, village_assistant_a):
    """A village assistant's scope is their village, not the township."""
    scope = user_scope(village_assistant_a)
    assert scope.township_ids == frozenset()
    assert scope.village_ids == {region.village_a.pk}
    assert scope.covers(township_id=region.township_a.pk, village_id=region.village_a.pk)
    assert not scope.covers(township_id=region.township_a.pk, village_id=region.village_a2.pk)


def test_grant_and_revoke_are_audited(region):
    """Both changes write an audit row with old and new values and the permissions touched."""
    admin = factories.UserFactory(username="grantor")
    user = factories.UserFactory()
    a = assignment_grant(user=user, role=Role.APPROVER, region=region.township_a, actor=admin)
    assignment_revoke(assignment=a, actor=admin)
    events = list(AuditEvent.objects.filter(chain=f"staff:{user.pk}").order_by("seq"))
    assert [e.action for e in events] == ["staff.grant", "staff.revoke"]
    assert events[0].actor == admin
    assert events[0].changes["role"] == [None, "approver"]
    assert f"township:{region.township_a.pk}:act_approver" in events[0].data["permissions"]["added"]

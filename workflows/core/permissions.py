"""Role -> permission map and the only writer of guardian object permissions.

A staff assignment (user x role x region) is the source of truth. Granting or
revoking one recomputes the user's region permissions from *all* their
active assignments and writes the difference to guardian, so two assignments
that grant the same permission never clobber each other, and re-running is
harmless.

Reading scope (which cases a user may see) lives in ``workflows.core.scope``.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from .audit import audit_record
from .models import County, StaffAssignment, Township, Village
from .models.staff import Role
from .types import Actor, Staff

User = get_user_model()

# Role -> codenames granted on the assignment's region object.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.VILLAGE_ASSISTANT: ("view_village_cases", "act_village_assistant"),
    Role.CASE_WORKER: ("view_township_cases", "act_case_worker"),
    Role.APPROVER: ("view_township_cases", "act_approver"),
    Role.COUNTY_OFFICER: ("view_county_cases", "act_county_officer"),
    Role.COUNTY_REVIEWER: ("view_county_cases", "act_county_reviewer"),
    Role.AUDITOR: ("view_county_cases", "audit_county"),
    Role.ADMINISTRATOR: (),
}

REGION_MODELS = (County, Township, Village)
#: The region an assignment is for (``None``: the whole system, for an administrator).
Region: TypeAlias = County | Township | Village
REGION_CODENAMES = frozenset(c for codes in ROLE_PERMISSIONS.values() for c in codes)


def _desired_permissions(user: Staff) -> set[tuple[int, str, str]]:
    """{(content_type_id, object_pk, codename)} the active assignments grant."""
    desired: set[tuple[int, str, str]] = set()
    cts = ContentType.objects.get_for_models(*REGION_MODELS)
    for a in StaffAssignment.objects.active().filter(user=user):
        region = a.region
        if region is None:
            continue
        ct = cts[type(region)]
        for codename in ROLE_PERMISSIONS[a.role]:
            desired.add((ct.id, str(region.pk), codename))
    return desired


def _current_permissions(user: Staff) -> set[tuple[int, str, str]]:
    cts = ContentType.objects.get_for_models(*REGION_MODELS).values()
    rows = UserObjectPermission.objects.filter(
        user=user, content_type__in=cts, permission__codename__in=REGION_CODENAMES
    ).values_list("content_type_id", "object_pk", "permission__codename")
    return {(ct, str(pk), code) for ct, pk, code in rows}


def _sync_user_permissions(user: Staff) -> dict[str, list[str]]:
    desired, current = _desired_permissions(user), _current_permissions(user)
    ct_models = {ct.id: model for model, ct in ContentType.objects.get_for_models(*REGION_MODELS).items()}
    added: list[str] = []
    removed: list[str] = []
    for ct_id, pk, codename in sorted(desired - current):
        model = ct_models[ct_id]
        assign_perm(f"core.{codename}", user, model._default_manager.get(pk=pk))
        added.append(f"{model._meta.model_name}:{pk}:{codename}")
    for ct_id, pk, codename in sorted(current - desired):
        model = ct_models[ct_id]
        remove_perm(f"core.{codename}", user, model._default_manager.get(pk=pk))
        removed.append(f"{model._meta.model_name}:{pk}:{codename}")
    # Staff flag: anyone with an active assignment may log into staff pages;
    # administrators additionally get the Django admin (no case permissions).
    active_roles = set(StaffAssignment.objects.active().filter(user=user).values_list("role", flat=True))
    is_staff = Role.ADMINISTRATOR in active_roles or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    if hasattr(user, "_scope_cache"):
        del user._scope_cache
    for attr in ("_perm_cache", "_user_perm_cache", "_viewflow_per_object_perm_cache", "_object_permission_pairs"):
        if hasattr(user, attr):
            delattr(user, attr)
    return {"added": added, "removed": removed}


@transaction.atomic
def assignment_grant(*, user: Staff, role: str, region: Region | None = None, actor: Actor = None) -> StaffAssignment:
    """Give ``user`` the ``role`` over ``region`` and derive its object permissions.

    Idempotent: an identical active assignment is returned unchanged.
    Raises ``ValidationError`` (translated) when the region does not fit the role.
    """
    fields: dict[str, Region | None] = {"county": None, "township": None, "village": None}
    if region is not None:
        fields[type(region).__name__.lower()] = region
    existing = StaffAssignment.objects.active().filter(user=user, role=role, **fields).first()
    if existing:
        return existing
    assignment = StaffAssignment(user=user, role=role, granted_by=_real_user(actor), **fields)
    assignment.full_clean(exclude=["granted_by", "revoked_by"])
    assignment.save()
    perms = _sync_user_permissions(user)
    audit_record(
        action="staff.grant",
        target=assignment,
        actor=actor,
        chain=f"staff:{user.pk}",
        changes={"role": [None, role], "region": [None, str(region) if region else None]},
        data={"permissions": perms},
    )
    return assignment


@transaction.atomic
def assignment_revoke(*, assignment: StaffAssignment, actor: Actor = None) -> StaffAssignment:
    """End an assignment and withdraw the permissions no other assignment still grants."""
    assignment = StaffAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.revoked_at is not None:
        return assignment
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = _real_user(actor)
    assignment.save(update_fields=["revoked_at", "revoked_by"])
    perms = _sync_user_permissions(assignment.user)
    audit_record(
        action="staff.revoke",
        target=assignment,
        actor=actor,
        chain=f"staff:{assignment.user_id}",
        changes={"revoked_at": [None, assignment.revoked_at]},
        data={"role": assignment.role, "region": str(assignment.region or ""), "permissions": perms},
    )
    return assignment


def _real_user(actor: Actor) -> Staff | None:
    return actor if getattr(actor, "is_authenticated", False) else None


def validate_region_for_role(role: str, region: Region | None) -> None:
    probe = StaffAssignment(role=role)
    if region is not None:
        setattr(probe, type(region).__name__.lower(), region)
    probe.clean()


__all__ = [
    "ROLE_PERMISSIONS",
    "Permission",
    "ValidationError",
    "assignment_grant",
    "assignment_revoke",
]

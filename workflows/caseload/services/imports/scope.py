"""Who may import the caseload, and into which townships."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from workflows.core.access import holds
from workflows.core.models import County, Township
from workflows.core.scope import regions_where
from workflows.core.types import AnyUser

from .vocabulary import ERR_NOT_ALLOWED


# --- who may import where ----------------------------------------------------------------
def import_townships(user: AnyUser) -> QuerySet[Township]:
    """The townships ``user`` may import for: every township of a county where they are a
    county officer, and their own township where they are an approver."""
    if not getattr(user, "is_authenticated", False):
        return Township.objects.none()
    counties = regions_where(user, "act_county_officer", County)
    approved = regions_where(user, "act_approver", Township)
    return Township.objects.filter(Q(county__in=counties) | Q(pk__in=approved.values("pk"))).select_related("county")


def may_import_into(user: AnyUser, township: Township) -> bool:
    """Does ``user`` import for ``township`` (a county officer of its county or its approver)?"""
    return holds(user, "act_county_officer", county=township.county_id) or holds(
        user, "act_approver", township=township.pk
    )


def may_import(user: AnyUser) -> bool:
    return import_townships(user).exists()


def require_import_townships(user: AnyUser) -> QuerySet[Township]:
    townships = import_townships(user)
    if not townships.exists():
        raise PermissionDenied(ERR_NOT_ALLOWED)
    return townships

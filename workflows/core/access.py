"""The one access helper: may this user act on this region, or on this case (domain.md §1).

Acting rights are guardian object permissions on a region (``core.act_*`` on a county,
township or village) that ``workflows.core.permissions`` derives from staff assignments;
a model-wide permission never counts (``scope.regions_where``). Services ask ``holds``
for a yes/no and ``access_case`` where a refusal is an error, in the style of Zulip's
``access_stream_by_id``: the check and the refusal in one call, so no caller forgets
half of it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from workflows.core.types import AnyUser, Staff, StrOrPromise

from .models import County, Township, Village
from .scope import region_pks_where, regions_where

_UNSET = object()
REGION_MODELS = {"county": County, "township": Township, "village": Village}
# ``act_case_worker`` -> "township", from the regions' Meta.permissions (one source of truth).
LEVEL_OF = {codename: level for level, model in REGION_MODELS.items() for codename, _label in model._meta.permissions}


def holds(user: AnyUser, codename: str, *, county: Any = _UNSET, township: Any = _UNSET, village: Any = _UNSET) -> bool:
    """Does ``user`` hold ``core.<codename>`` on the one region named (an instance or its pk)?

    ``holds(actor, "act_approver", township=process.township_id)``. A region of ``None`` (a
    case without one) is held by nobody.
    """
    named = [(level, region) for level, region in (("county", county), ("township", township),
                                                  ("village", village)) if region is not _UNSET]  # fmt: skip
    if len(named) != 1:
        raise TypeError("holds() names exactly one of county=, township=, village=")
    level, region = named[0]
    pk = getattr(region, "pk", region)
    if pk is None or not getattr(user, "is_authenticated", False):
        return False
    held = region_pks_where(user, codename, REGION_MODELS[level])
    if held is not None and isinstance(pk, int):
        return pk in held  # from the rows read once per request: no query
    return regions_where(user, codename, REGION_MODELS[level]).filter(pk=pk).exists()


def access_case(
    user: AnyUser,
    process: Any,
    codename: str,
    *,
    error: StrOrPromise,
    node: str | None = None,
    separation_error: StrOrPromise | None = None,
) -> None:
    """Raise ``PermissionDenied(error)`` unless ``user`` holds ``codename`` on the case's
    region (its county, township or village, by the codename's level); with ``node``, also
    ``PermissionDenied(separation_error)`` when ``user`` is excluded from that step of the
    case (separation of duties, ``process.excluded_actor_ids``)."""
    level = LEVEL_OF[codename]
    if not holds(user, codename, **{level: getattr(process, f"{level}_id")}):
        raise PermissionDenied(error)
    if node is not None and user.pk in process.excluded_actor_ids(node):
        raise PermissionDenied(separation_error or error)


def request_staff(request: HttpRequest) -> Staff:
    """The signed-in user of a request only staff reach (the admin, a login-required page),
    as the ``actor`` the services take. Those pages turn anonymous visitors away before the
    view runs; should one get through, it is refused here rather than recorded as an actor."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user

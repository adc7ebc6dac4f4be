"""Which regions, and so which cases, a user may see (domain.md §1).

County staff see their county's townships, township staff their township,
village assistants their villages. Computed from the guardian object
permissions that ``workflows.core.permissions`` derives from assignments, and
cached on the user object for the duration of a request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from .models import County, Township, Village

VIEW_CODENAMES = {"view_county_cases": "county", "view_township_cases": "township", "view_village_cases": "village"}


@dataclass(frozen=True)
class UserScope:
    township_ids: frozenset[int]
    village_ids: frozenset[int]
    county_ids: frozenset[int]

    @property
    def is_empty(self) -> bool:
        return not (self.township_ids or self.village_ids)

    def case_filter(self, prefix: str = "") -> Q:
        """A Q over a case model with ``township`` and ``village`` foreign keys."""
        if self.is_empty:
            return Q(pk__in=[])
        q = Q()
        if self.township_ids:
            q |= Q(**{f"{prefix}township_id__in": self.township_ids})
        if self.village_ids:
            q |= Q(**{f"{prefix}village_id__in": self.village_ids})
        return q

    def covers(self, *, township_id: int | None, village_id: int | None = None) -> bool:
        return township_id in self.township_ids or (village_id is not None and village_id in self.village_ids)


def user_scope(user) -> UserScope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return UserScope(frozenset(), frozenset(), frozenset())
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    # One query over the user's object permissions (``permissions.py`` writes
    # only per-user rows), instead of guardian's three generic lookups: this
    # runs on every case URL.
    cts = ContentType.objects.get_for_models(County, Township, Village)
    by_ct = {cts[County].id: "county", cts[Township].id: "township", cts[Village].id: "village"}
    ids: dict[str, set[int]] = {"county": set(), "township": set(), "village": set()}
    rows = UserObjectPermission.objects.filter(
        user=user, content_type_id__in=by_ct, permission__codename__in=VIEW_CODENAMES
    ).values_list("content_type_id", "object_pk", "permission__codename")
    for ct_id, object_pk, codename in rows:
        if VIEW_CODENAMES[codename] == by_ct[ct_id]:
            ids[by_ct[ct_id]].add(int(object_pk))
    county_ids = frozenset(ids["county"])
    township_ids = frozenset(ids["township"])
    if county_ids:
        township_ids |= frozenset(Township.objects.filter(county_id__in=county_ids).values_list("pk", flat=True))
    scope = UserScope(township_ids=township_ids, village_ids=frozenset(ids["village"]), county_ids=county_ids)
    user._scope_cache = scope
    return scope


def regions_where(user, codename: str, klass):
    """Region objects of ``klass`` on which ``user`` holds ``core.<codename>``."""
    return get_objects_for_user(user, f"core.{codename}", klass=klass, with_superuser=False, accept_global_perms=False)

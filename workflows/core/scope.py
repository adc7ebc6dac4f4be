"""Which regions, and so which cases, a user may see (domain.md §1).

County staff see their county's townships, township staff their township,
village assistants their villages. Computed from the guardian object
permissions that ``workflows.core.permissions`` derives from assignments, and
cached on the user object for the duration of a request.

What is cached on a user object (scope, object permission rows, Django's permission sets,
viewflow's per-object set, the separation conflict ID numbers) is dropped together by
``fresh_access_caches`` as soon as any access data changes in this process (a guardian row,
an assignment, a group membership, a staff profile or declared relative: the access generation
moves), and a cache filled inside a transaction lives no longer than that transaction, so a
grant that is rolled back is never served and a revocation takes effect at once (issue 19
item 3).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import BooleanField, CharField, Expression, F, IntegerField, Model, Q, QuerySet, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleIn
from django.db.models.sql.where import WhereNode
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from .models import County, Township, Village
from .txmemo import transaction_epoch
from .types import AnyUser, Staff

_Region = TypeVar("_Region", bound=Model)
_Task = TypeVar("_Task", bound=Model)
_TaskQuerySet = TypeVar("_TaskQuerySet", bound="QuerySet[Any]")

VIEW_CODENAMES = {"view_county_cases": "county", "view_township_cases": "township", "view_village_cases": "village"}


@dataclass(frozen=True)
class UserScope:
    township_ids: frozenset[int]
    village_ids: frozenset[int]
    county_ids: frozenset[int]
    # (content type id, app label, codename, object pk) of the user's per-user object
    # permissions, read with the scope (``prime_viewflow_object_perms`` reuses them).
    object_permissions: tuple[tuple[int, str, str, str], ...] = field(default=(), compare=False, repr=False)

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


# Bumped by ``workflows.core.receivers``-style signal handlers below whenever access data
# changes; a plain counter: a lost increment under a thread race still changes the value.
_GENERATION = [0]
_CACHED_ON_USER = (
    "_scope_cache",
    "_object_permission_pairs",
    "_viewflow_per_object_perm_cache",
    "_perm_cache",
    "_user_perm_cache",
    "_group_perm_cache",
    "_conflict_ids_cache",
    "_region_pks_cache",
)


def access_generation() -> int:
    return _GENERATION[0]


class _Pending(threading.local):
    """Whether this thread changed access data in a transaction that has not ended yet."""

    changed = False

    def clear(self) -> None:
        self.changed = False


_PENDING = _Pending()


def bump_access_generation(**_kwargs: Any) -> None:
    """Access data changed: every access cache on every user object is out of date. Changed
    inside a transaction, what is read until that transaction ends may still roll back."""
    _GENERATION[0] += 1
    if transaction_epoch() is not None:
        _PENDING.changed = True
        transaction.on_commit(_PENDING.clear)


def fresh_access_caches(user: AnyUser) -> None:
    """Drop what is cached on ``user`` when access data changed since it was read, or when it
    was read after an uncommitted change of access data in a transaction that is no longer
    the current one (committed, rolled back or rolled back to a savepoint): a rolled-back
    grant is never served. Otherwise the cache lasts the request (the user object)."""
    epoch = transaction_epoch()
    if epoch is None:  # no transaction open: whatever was pending has committed or rolled back
        _PENDING.changed = False
    stamp = getattr(user, "_access_stamp", None)
    generation = _GENERATION[0]
    if stamp is not None and stamp[0] == generation and (stamp[1] is None or stamp[1] is epoch):
        return
    for attr in _CACHED_ON_USER:
        if hasattr(user, attr):
            delattr(user, attr)
    user._access_stamp = (generation, epoch if _PENDING.changed else None)  # type: ignore[union-attr]  # a cache on the user object


def user_scope(user: AnyUser) -> UserScope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return UserScope(frozenset(), frozenset(), frozenset())
    fresh_access_caches(user)
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    # From the user's object permissions (``permissions.py`` writes only
    # per-user rows), read once per request with the queue's permission set
    # (``user_object_permissions``), instead of guardian's three generic
    # lookups: this runs on every case URL.
    cts = ContentType.objects.get_for_models(County, Township, Village)
    by_ct = {cts[County].id: "county", cts[Township].id: "township", cts[Village].id: "village"}
    ids: dict[str, set[int]] = {"county": set(), "township": set(), "village": set()}
    rows = _read_permissions(user)
    for ct_id, _app_label, codename, object_pk in rows:
        if ct_id in by_ct and VIEW_CODENAMES.get(codename) == by_ct[ct_id]:
            ids[by_ct[ct_id]].add(int(object_pk))
    county_ids = frozenset(ids["county"])
    township_ids = frozenset(ids["township"])
    if county_ids:
        township_ids |= frozenset(Township.objects.filter(county_id__in=county_ids).values_list("pk", flat=True))
    scope = UserScope(
        township_ids=township_ids, village_ids=frozenset(ids["village"]), county_ids=county_ids, object_permissions=rows
    )
    user._scope_cache = scope  # type: ignore[attr-defined]  # a cache on the user object
    return scope


#: The primary key the permission statement is compiled with once per process and database
#: (``_permission_statement``): no user has it; its positions in the parameters are the user's.
_PK_PLACEHOLDER = -7340033
_PERMISSION_STATEMENTS: dict[str, tuple[str, tuple[Any, ...], tuple[int, ...]]] = {}


def _permission_union(user_pk: int) -> QuerySet[Any]:
    """Every access row of the user of pk ``user_pk``, tagged by kind: their own and their
    groups' object permissions, the model-wide permissions of the user and of their groups,
    and the ID numbers separation of duties keeps them away from (their staff profile's,
    their declared relatives')."""
    from django.contrib.auth.models import Permission
    from guardian.models import GroupObjectPermission

    from .models import StaffProfile, StaffRelative

    def tagged(
        kind: str, queryset: QuerySet[Any], ct_id: Any, app_label: Any, codename: Any, object_pk: Any
    ) -> QuerySet[Any]:
        return queryset.order_by().values_list(
            Value(kind, output_field=CharField()), ct_id, app_label, codename, object_pk
        )

    blank = Value("", output_field=CharField())
    no_ct = Value(0, output_field=IntegerField())
    union = tagged(
        "user_object",
        UserObjectPermission.objects.filter(user_id=user_pk),
        "content_type_id",
        "content_type__app_label",
        "permission__codename",
        "object_pk",
    )
    return union.union(
        tagged(
            "group_object",
            GroupObjectPermission.objects.filter(group__user__id=user_pk),
            "content_type_id",
            "content_type__app_label",
            "permission__codename",
            "object_pk",
        ),
        tagged(
            "user",
            Permission.objects.filter(user__id=user_pk),
            "content_type_id",
            "content_type__app_label",
            "codename",
            blank,
        ),
        tagged(
            "group",
            Permission.objects.filter(group__user__id=user_pk),
            "content_type_id",
            "content_type__app_label",
            "codename",
            blank,
        ),
        tagged("relative", StaffRelative.objects.filter(user_id=user_pk), no_ct, blank, blank, "id_number"),
        tagged("profile", StaffProfile.objects.filter(user_id=user_pk), no_ct, blank, blank, "id_number"),
        all=True,
    )


def _permission_statement(user_pk: int, using: str) -> tuple[str, list[Any]]:
    """``_permission_union(user_pk)`` as SQL and parameters. Building and compiling the
    six-arm union took ~3.5 ms of Python per request (issue 19: the queue at 1 M); the
    statement does not change with the user, only its parameters do: it is compiled once per
    process and database with a placeholder primary key, whose positions then take
    ``user_pk``."""
    compiled = _PERMISSION_STATEMENTS.get(using)
    if compiled is None:
        sql, params = _permission_union(_PK_PLACEHOLDER).query.get_compiler(using).as_sql()
        positions = tuple(i for i, param in enumerate(params) if param == _PK_PLACEHOLDER)
        assert len(positions) == 6, "one user parameter per arm of the permission statement"
        compiled = _PERMISSION_STATEMENTS[using] = (sql, tuple(params), positions)
    sql, template, positions = compiled
    params = list(template)
    for position in positions:
        params[position] = user_pk
    return sql, params


def _read_permissions(user: Staff) -> tuple[tuple[int, str, str, str], ...]:
    """Every permission row of active ``user`` in ONE query, instead of six per request
    (issue 19: "one permission query per request"): their own object permissions
    (returned, for the scope), their groups' object permissions, the model-wide
    permissions of the user and of their groups, and their conflict ID numbers. All but the
    first are kept on the user object where their readers look for them:
    ``object_permission_pairs`` (the queue's row comparison), ``ModelBackend``'s caches
    ``_user_perm_cache``, ``_group_perm_cache`` and ``_perm_cache`` (``get_all_permissions``,
    ``has_perm``), filled with the sets ``ModelBackend`` itself would read (a superuser's
    are all permissions: ``ModelBackend`` reads those itself), and
    ``separation.conflict_id_numbers``'s ``_conflict_ids_cache`` (their declared relatives'
    ID numbers and their own, if on file). ``fresh_access_caches`` drops all of them
    together when access data changes."""
    from django.db import connections, router

    using = router.db_for_read(UserObjectPermission)
    sql, params = _permission_statement(user.pk, using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_kind: dict[str, list[tuple[int, str, str, str]]] = {
        "user_object": [],
        "group_object": [],
        "user": [],
        "group": [],
        "relative": [],
        "profile": [],
    }
    for kind, ct_id, app_label, codename, object_pk in rows:
        by_kind[kind].append((ct_id, app_label, codename, object_pk))
    own = tuple(by_kind["user_object"])
    region_pks: dict[tuple[int, str], set[int]] = {}
    for ct_id, app_label, codename, object_pk in (*own, *by_kind["group_object"]):
        if app_label == "core" and str(object_pk).isdigit():
            region_pks.setdefault((ct_id, codename), set()).add(int(object_pk))
    user._region_pks_cache = {key: frozenset(pks) for key, pks in region_pks.items()}  # type: ignore[attr-defined]  # a cache on the user object
    user._object_permission_pairs = frozenset(  # type: ignore[attr-defined]  # a cache on the user object
        (f"{app}.{codename}", str(pk)) for _ct, app, codename, pk in (*own, *by_kind["group_object"])
    )
    conflict_ids = {number for *_tag, number in by_kind["relative"]}
    conflict_ids |= {number for *_tag, number in by_kind["profile"] if number}
    user._conflict_ids_cache = frozenset(conflict_ids)  # type: ignore[attr-defined]  # separation's cache
    if not user.is_superuser:
        user_perms = {f"{app}.{codename}" for _ct, app, codename, _pk in by_kind["user"]}
        group_perms = {f"{app}.{codename}" for _ct, app, codename, _pk in by_kind["group"]}
        user._user_perm_cache = user_perms  # type: ignore[attr-defined]  # ModelBackend's cache
        user._group_perm_cache = group_perms  # type: ignore[attr-defined]  # ModelBackend's cache
        user._perm_cache = user_perms | group_perms  # type: ignore[attr-defined]  # ModelBackend's cache
    return own


def user_object_permissions(user: Staff) -> tuple[tuple[int, str, str, str], ...]:
    """(content type id, app label, codename, object pk) of every per-user guardian object
    permission of ``user``: one query (``user_scope`` keeps them with the scope it caches,
    so ``permissions.py`` dropping ``_scope_cache`` after a grant drops them too)."""
    return tuple(
        UserObjectPermission.objects.filter(user=user).values_list(
            "content_type_id", "content_type__app_label", "permission__codename", "object_pk"
        )
    )


def prime_viewflow_object_perms(user: AnyUser) -> None:
    """Fill viewflow's per-object permission cache (``TaskQuerySet.user_queue`` reads
    ``user._viewflow_per_object_perm_cache``: ``"app.codename_pk"`` of the user's and
    their groups' object permissions) from the rows ``user_scope`` reads, plus one
    query for group rows, instead of viewflow's two queries per row (it loads each
    row's content type and permission)."""
    if not getattr(user, "is_authenticated", False):
        return
    if not user.is_active:  # no scope is read for an inactive user: viewflow's own lookup
        return
    fresh_access_caches(user)
    if hasattr(user, "_viewflow_per_object_perm_cache"):
        return
    perms = {f"{perm}_{pk}" for perm, pk in object_permission_pairs(user)}
    user._viewflow_per_object_perm_cache = perms  # type: ignore[attr-defined]  # a cache on the user object


def object_permission_pairs(user: Staff) -> frozenset[tuple[str, str]]:
    """``("app.codename", object pk)`` of every guardian object permission of ``user`` and
    of their groups: the rows ``prime_viewflow_object_perms`` reads, as pairs (kept on the
    user object, like viewflow's string cache, for the request)."""
    fresh_access_caches(user)
    cached = getattr(user, "_object_permission_pairs", None)
    if cached is not None:
        return cached
    from guardian.models import GroupObjectPermission, UserObjectPermission

    if user.is_active and getattr(user, "is_authenticated", False):
        user_scope(user)  # reads the pairs with the scope, in its one permission query
        cached = getattr(user, "_object_permission_pairs", None)
        if cached is not None:
            return cached
    # No scope is read for an inactive user; viewflow still lists by its object rows.
    rows = list(
        UserObjectPermission.objects.filter(user=user).values_list(
            "content_type__app_label", "permission__codename", "object_pk"
        )
    )
    rows += GroupObjectPermission.objects.filter(group__user=user).values_list(
        "content_type__app_label", "permission__codename", "object_pk"
    )
    pairs = frozenset((f"{app}.{codename}", str(pk)) for app, codename, pk in rows)
    user._object_permission_pairs = pairs  # type: ignore[attr-defined]  # a cache on the user object
    return pairs


def has_owner_permission(user: AnyUser, permission: str, obj_pk: int | str | None) -> bool:
    """``user.has_perm(permission, obj) or user.has_perm(permission)`` (viewflow's test for
    claiming a task), answered from the object permission rows read once per request or
    transaction (``object_permission_pairs``) instead of guardian's queries on every call:
    the object permission on the region of pk ``obj_pk`` (``None``: no object), or the
    model-wide permission. An inactive user holds nothing, a superuser everything."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if obj_pk is not None and (permission, str(obj_pk)) in object_permission_pairs(user):
        return True
    return permission in user.get_all_permissions()


def claimable_q(user: Staff) -> Q:
    """Q over Task rows: the NEW tasks ``user`` may claim by permission. viewflow's
    ``user_queue`` test (no permission required, already theirs, a global permission, or
    the object permission the task names) with each alternative as its own index scan of
    the NEW tasks, ``id IN (… UNION ALL …)``, instead of viewflow's ``COALESCE(owner_permission,
    '') || '_' || owner_permission_obj_pk IN (…)`` OR-ed with the rest. The concatenation
    hides both columns from ``vf_task_new_by_permission``; and with the alternatives OR-ed
    in one WHERE, the planner guesses that thousands of NEW tasks have no permission (a
    third of all task rows, the start and end nodes, do), gives up the index and reads
    every task of the user's township instead (the per-flow queue's count at 100 k cases:
    13 ms; as a union of index scans: 1 ms, and it no longer grows with the township:
    issue 19 item 4). The object test stays a row comparison ``(owner_permission,
    owner_permission_obj_pk) IN ((…, …), …)``, an index condition on
    ``vf_task_new_by_permission``. A superuser may claim every task (``Q()``)."""
    if user.is_superuser:
        return Q()
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    new = Task._default_manager.filter(status=STATUS.NEW).order_by()
    arms = [new.filter(owner_permission__isnull=True), new.filter(owner=user)]
    global_perms = user.get_all_permissions()
    if global_perms:
        arms.append(new.filter(owner_permission__in=sorted(global_perms)))
    pairs = object_permission_pairs(user)
    if pairs:
        arms.append(new.filter(TupleIn(Tuple(F("owner_permission"), F("owner_permission_obj_pk")), sorted(pairs))))
    first, *rest = (arm.values("pk") for arm in arms)
    return Q(pk__in=first.union(*rest, all=True))


def exclude_separated(queryset: _TaskQuerySet, flow_classes: Any, user: Staff) -> _TaskQuerySet:
    """``queryset.exclude(separation.excluded_tasks_q(flow_classes, user))``, the same rows,
    with each of the rule's alternatives excluded on its own: ``NOT (a OR b OR …)`` as
    ``NOT a AND NOT b AND …``. Negated together, the alternatives were one filter the planner
    ran per candidate task, a subplan for each EXISTS (at 1 M cases ~30 µs per candidate
    of the approver's queue); a ``NOT EXISTS`` of its own is an anti-join PostgreSQL plans
    over all candidates at once (issue 19 item 4). The rule itself stays
    ``excluded_tasks_q``'s."""
    from .separation import excluded_tasks_q

    excluded = excluded_tasks_q(flow_classes, user)
    if excluded.connector != Q.OR or excluded.negated:
        return queryset.exclude(excluded)
    for child in excluded.children:
        if child == ("pk__in", []):  # the empty start of the OR: excludes nothing
            continue
        queryset = queryset.exclude(Q(child) if isinstance(child, tuple) else child)
    return queryset


class CompiledWhere(Expression):
    """A queryset's WHERE as SQL compiled once (``where_compiled_once``), or compiled again where
    it must be: its tables renamed (the queryset became another statement's subquery, whose
    aliases Django renames), or another database."""

    conditional = True

    def __init__(self, where: WhereNode, using: str, sql: str | None = None, params: tuple[Any, ...] = ()):
        super().__init__(output_field=BooleanField())
        self.where, self.using, self.sql, self.params = where, using, sql, params

    def relabeled_clone(self, change_map: Mapping[str, str]) -> CompiledWhere:
        if not change_map:
            return self
        return CompiledWhere(self.where.relabeled_clone(dict(change_map)), self.using)  # type: ignore[arg-type]  # django-stubs: dict[str | None, str]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if self.sql is None or connection.alias != self.using:
            sql, params = compiler.compile(self.where)
            return f"({sql})", tuple(params)
        return f"({self.sql})", self.params


def where_compiled_once(queryset: QuerySet[_Task]) -> QuerySet[_Task]:
    """``queryset`` with its WHERE compiled to SQL now, once: the paginator's count and the page
    then reuse that SQL instead of compiling the region, permission and separation filters
    again each (~3 ms of Python per list page, issue 19: "WHERE compiled twice"). Only for a
    filter on the queryset's own table (no join, which a later statement might alias
    differently); anything else is returned as it is."""
    from django.core.exceptions import EmptyResultSet, FullResultSet

    query = queryset.query
    joined = [alias for alias, refs in query.alias_refcount.items() if refs and alias != query.base_table]
    if joined or query.combinator or query.is_sliced or query.annotations:
        return queryset
    using = queryset.db
    try:
        sql, params = query.get_compiler(using).compile(query.where)
    except (EmptyResultSet, FullResultSet):
        return queryset
    compiled = queryset.all()
    compiled.query.where = WhereNode()
    return compiled.filter(CompiledWhere(query.where, using, sql, tuple(params)))


def region_pks_where(user: AnyUser, codename: str, klass: type[Model]) -> frozenset[int] | None:
    """Primary keys of the regions of ``klass`` on which ``user`` holds the object permission
    ``core.<codename>`` (their own or a group's; a model-wide permission never counts), from
    the permission rows read once per request (``_read_permissions``) instead of guardian's
    query on every call: the navigation alone asked it five times per staff page (issue 20).
    ``None`` for a user whose rows are not read that way (anonymous or inactive): ask guardian."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    fresh_access_caches(user)
    cached = getattr(user, "_region_pks_cache", None)
    if cached is None:
        _read_permissions(user)
        cached = getattr(user, "_region_pks_cache")  # noqa: B009 - set by _read_permissions, a cache on the user object
    ct_id = ContentType.objects.get_for_model(klass).pk
    return cached.get((ct_id, codename), frozenset())


def held_region_pks(user: AnyUser, codename: str, klass: type[Model]) -> frozenset[int]:
    """``region_pks_where``, or guardian's answer for a user whose rows are not read per request."""
    pks = region_pks_where(user, codename, klass)
    if pks is None:
        pks = frozenset(regions_where(user, codename, klass).values_list("pk", flat=True))
    return pks


def regions_where(user: AnyUser, codename: str, klass: type[_Region]) -> QuerySet[_Region]:
    """Region objects of ``klass`` on which ``user`` holds ``core.<codename>`` (guardian's
    ``get_objects_for_user`` without global permissions or the superuser's blanket access),
    filtered by the primary keys ``region_pks_where`` reads once per request: no query for a
    user who holds it nowhere (``.exists()`` on ``none()`` asks nothing), and a plain
    ``pk IN (…)`` instead of guardian's permission join otherwise."""
    pks = region_pks_where(user, codename, klass)
    if pks is None:
        return get_objects_for_user(
            user, f"core.{codename}", klass=klass, with_superuser=False, accept_global_perms=False
        )
    if not pks:
        return klass._default_manager.none()
    return klass._default_manager.filter(pk__in=sorted(pks))


def connect_access_receivers() -> None:
    """Bump the access generation on every change of the data access decisions are made from
    (called once from ``CoreConfig.ready``). ``QuerySet.delete`` sends ``post_delete`` per
    row when a receiver listens, so guardian's ``remove_perm`` is seen too."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from guardian.models import GroupObjectPermission

    from .models import StaffAssignment, StaffProfile, StaffRelative

    model: type[Model]
    for model in (UserObjectPermission, GroupObjectPermission, StaffAssignment, StaffProfile, StaffRelative):
        for signal in (post_save, post_delete):
            signal.connect(bump_access_generation, sender=model, dispatch_uid=f"core.scope.access.{model._meta.label}")
    user_model = get_user_model()
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(
            bump_access_generation, sender=through, dispatch_uid=f"core.scope.m2m.{through._meta.label}"
        )
    # Separation of duties also reads the case's household: a member added or changed may
    # exclude a member of staff (own household, declared relative) at once.
    from django.apps import apps

    from .cases import CaseFields, household_member_model

    members = {
        household_member_model(model)
        for model in apps.get_models()
        if issubclass(model, CaseFields) and getattr(model, "household_field", None)
    }
    for model in members:
        for signal in (post_save, post_delete):
            signal.connect(bump_access_generation, sender=model, dispatch_uid=f"core.scope.member.{model._meta.label}")

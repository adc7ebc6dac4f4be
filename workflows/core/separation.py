"""Separation of duties, enforced by the engine (domain.md §1).

Three rules, all generic:

1. **Own work.** A process model declares ``separation_rules``: for a node,
   the nodes whose finishers may not act on it, e.g.
   ``{"approve": {"investigate", "propose", "sign_*"}}`` (shell-style
   patterns). Who finished which node is recorded in ``CaseActorRecord`` the
   moment a human task finishes (``task_finished`` signal, same transaction),
   including the principal when a deputy acted on their behalf.
2. **Own household / declared relatives.** Nobody acts on any node of a case
   whose household contains their own ID number (``StaffProfile``) or a near
   relative they declared (``StaffRelative``).
3. **Across cases.** ``actors_of(process_ids, node_names)`` tells the sampling
   draw who approved which case, so an approver never reviews their own
   decision.

``CaseFields.excluded_actor_ids(node_name)`` is the single entry point the
node checks and services call; ``excluded_tasks_q`` is the same rule as SQL
for the queue and inbox (constant query count whatever the queue length). A
process model that adds case-specific rules in ``excluded_actor_ids`` must
state them as SQL too, in ``separation_sql(user)``, or the queue shows tasks
the node then refuses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from fnmatch import fnmatchcase
from importlib import import_module
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.signals import task_finished

from .cases import CaseFields, flow_nodes, forget_separation, household_member_model
from .models import CaseActorRecord, SeparationRule, StaffProfile, StaffRelative
from .scope import fresh_access_caches
from .types import Staff

if TYPE_CHECKING:
    from viewflow.workflow.base import Flow

    from .cases import FlowClasses

ERR_SEPARATION = _(
    "根据职责分离规定，您不能办理本案件的这一环节：您已办理过本案件需要回避的环节，"
    "或本案件涉及您本人或您已备案的近亲属。请由其他工作人员办理。"
)

HUMAN_TASK_TYPES = frozenset({"HUMAN", "HUMAN_START"})


# --- rules ---------------------------------------------------------------


def _node_names(flow_class: type[Flow]) -> list[str]:
    return [node.name for node in flow_class.instance.nodes()]


def _match(patterns: Iterable[str], names: Iterable[str]) -> set[str]:
    patterns = list(patterns)
    return {name for name in names if any(fnmatchcase(name, p) for p in patterns)}


def forbidden_nodes(flow_class: type[Flow], node_name: str) -> set[str]:
    """Nodes of ``flow_class`` whose finishers may not act on ``node_name``."""
    rules = getattr(flow_class.process_class, "separation_rules", None) or {}
    patterns = rules.get(node_name)
    if not patterns:
        return set()
    return _match(patterns, _node_names(flow_class))


def role_kind_for(process_class: type[CaseFields], node_name: str) -> str:
    kinds = getattr(process_class, "actor_kinds", None) or {}
    return kinds.get(node_name, CaseActorRecord.Kind.ACTED)


# --- recording who acted ---------------------------------------------------


@receiver(task_finished, dispatch_uid="core.separation.record_case_actor")
def record_case_actor(sender: object, process: CaseFields, task: Task, **kwargs: Any) -> None:
    """Remember who finished a human task of a case (runs inside the task's transaction)."""
    if task.flow_task_type not in HUMAN_TASK_TYPES or task.owner_id is None:
        return
    forget_separation(process)  # a new actor: the node checks' remembered exclusions are out of date
    on_behalf_of = (task.data or {}).get("on_behalf_of")
    # Once per task (task_id is unique): a repeated finish signal keeps the first record.
    # One INSERT … ON CONFLICT DO NOTHING instead of get_or_create's read, savepoint,
    # insert and release on every human task.
    CaseActorRecord.objects.bulk_create(
        [
            CaseActorRecord(
                task_id=task.pk,
                process_id=task.process_id,
                node_name=task.flow_task.name,
                user_id=task.owner_id,
                on_behalf_of_id=on_behalf_of,
                role_kind=role_kind_for(type(process), task.flow_task.name),
            )
        ],
        ignore_conflicts=True,
    )
    if on_behalf_of:
        from .standins import record_on_behalf

        record_on_behalf(task=task, deputy_id=task.owner_id, principal_id=on_behalf_of)


def actors_of(process_ids: Iterable[int], node_names: Iterable[str]) -> dict[int, set[int]]:
    """{process_id: user ids who finished any of ``node_names`` (patterns allowed)}.

    A deputy's action counts for both the deputy and the principal. One query.
    """
    patterns = list(node_names)
    out: dict[int, set[int]] = defaultdict(set)
    if not patterns:
        return out
    exact = [p for p in patterns if not any(c in p for c in "*?[")]
    wild = [p for p in patterns if p not in exact]
    qs = CaseActorRecord.objects.filter(process_id__in=list(process_ids))
    if not wild:
        qs = qs.filter(node_name__in=exact)
    for pid, node, user_id, principal_id in qs.values_list("process_id", "node_name", "user_id", "on_behalf_of_id"):
        if node in exact or _match(wild, [node]):
            out[pid].add(user_id)
            if principal_id:
                out[pid].add(principal_id)
    return out


# --- own household and declared relatives ----------------------------------


def conflict_id_numbers(user: Staff) -> frozenset[str]:
    """ID numbers ``user`` may not act on: their own and their declared relatives'."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    fresh_access_caches(user)  # a relative declared a moment ago counts at once
    cached = getattr(user, "_conflict_ids_cache", None)
    if cached is not None:
        return cached
    ids = set(StaffRelative.objects.filter(user=user).values_list("id_number", flat=True))
    ids |= {n for n in StaffProfile.objects.filter(user=user).values_list("id_number", flat=True) if n}
    user._conflict_ids_cache = frozenset(ids)  # type: ignore[attr-defined]  # a cache on the user object
    return user._conflict_ids_cache  # type: ignore[attr-defined]


def users_related_to(id_numbers: Iterable[str]) -> set[int]:
    """Users whose own ID number or a declared relative's is among ``id_numbers``."""
    id_numbers = [n for n in id_numbers if n]
    if not id_numbers:
        return set()
    users = set(StaffProfile.objects.filter(id_number__in=id_numbers).values_list("user_id", flat=True))
    users |= set(StaffRelative.objects.filter(id_number__in=id_numbers).values_list("user_id", flat=True))
    return users


# --- the rule, per case and as SQL ------------------------------------------


def excluded_user_ids(process: CaseFields, node_name: str) -> set[int]:
    """Users who may not act on ``node_name`` of ``process`` (the generic rule).

    One query: who finished a forbidden node of the case (and their principals),
    staff whose own or declared relative's ID number is in the case's household, and
    the process model's own ``excluded_actor_queries``.
    """
    parts: list[QuerySet[Any, int]] = []
    forbidden = forbidden_nodes(process.flow_class, node_name)
    if forbidden:
        acted = CaseActorRecord.objects.filter(process_id=process.pk, node_name__in=forbidden).order_by()
        parts.append(acted.values_list("user_id", flat=True))
        parts.append(acted.filter(on_behalf_of__isnull=False).values_list("on_behalf_of_id", flat=True))
    related: set[int] = set()
    if type(process).household_id_numbers is CaseFields.household_id_numbers:
        # The household's ID numbers as a subquery of the same statement.
        household_id = getattr(process, f"{process.household_field}_id", None) if process.household_field else None
        if household_id is not None:
            members = (
                household_member_model(type(process))
                ._default_manager.filter(household_id=household_id)
                .exclude(id_number="")
                .values("id_number")
            )
            for model in (StaffProfile, StaffRelative):
                parts.append(model.objects.filter(id_number__in=members).order_by().values_list("user_id", flat=True))
    else:  # a process model with its own idea of the household
        related = users_related_to(process.household_id_numbers())
    parts.extend(process.excluded_actor_queries(node_name))
    if not parts:
        return related
    first, *rest = parts
    return related | set(first.union(*rest) if rest else first)


def excluded_tasks_q(flow_classes: FlowClasses, user: Staff) -> Q:
    """Q over Task rows ``user`` may not act on; use with ``.exclude()``.

    Built from the declared rules and the user's conflict ID numbers (one
    query, cached on the user); the rest is subqueries, so the cost does not
    grow with the number of tasks.
    """
    q = Q(pk__in=[])
    conflict_ids = conflict_id_numbers(user)
    mine = Q(user=user) | Q(on_behalf_of=user)
    # Own work: ONE correlated EXISTS for every declared rule of every flow, the rules read
    # from their table (``SeparationRule``: the task's node, a forbidden node), so the SQL is
    # the same whatever the number of rules and programmes (issue 19 item 4), instead of an
    # OR group (and a subplan) per rule and flow, which the planner spent ~8 ms on for the
    # workspace queue, or a constant list of pairs that grew with every programme.
    if any(getattr(flow_class.process_class, "separation_rules", None) for flow_class in flow_classes):
        rules = SeparationRule.objects.filter(
            flow_task=OuterRef(OuterRef("flow_task")), excluded_node=OuterRef("node_name")
        )
        acted = CaseActorRecord.objects.filter(mine, Exists(rules), process_id=OuterRef("process_id"))
        # Q | Exists is a Q at run time; django-stubs types ``Q.__or__`` for a Q only.
        q |= Exists(acted)  # type: ignore[assignment]
    # The other rules per process model (flows sharing a model, e.g. 低保 and 特困, share one
    # EXISTS), limited to the nodes they apply to by ``flow_task`` (no join to viewflow_process).
    flows_of: dict[type[CaseFields], list[type[Flow]]] = defaultdict(list)
    for flow_class in flow_classes:
        flows_of[flow_class.process_class].append(flow_class)
    for process_class, flows in flows_of.items():
        # Rules only the case knows (e.g. the investigators named on a visit record): the
        # process model's ``separation_sql(user) -> [(node names, Q over the process model)]``,
        # the SQL twin of its ``excluded_actor_ids`` override. Correlated on the task's case:
        # an uncorrelated ``process_id IN (…)`` scanned every case of the country per node
        # (7-8 s for a queue page at 1 M cases).
        extra = getattr(process_class, "separation_sql", None)
        for node_names, process_q in extra(user) if extra else ():
            nodes = [getattr(flow_class, name) for flow_class in flows for name in sorted(node_names)]
            case_excluded = process_class.objects.filter(process_q, pk=OuterRef("process_id"))  # type: ignore[attr-defined]  # a viewflow Process: ``objects``
            q |= Q(flow_task__in=nodes) & Exists(case_excluded)  # type: ignore[assignment]  # as above
        household_field = getattr(process_class, "household_field", None)
        if conflict_ids and household_field:
            # Correlated on the task's process_id alone (no join from the task to its case).
            # (the household's ``members`` relation, as ``household_member_model`` reads it)
            cases = process_class._default_manager.filter(
                pk=OuterRef("process_id"), **{f"{household_field}__members__id_number__in": conflict_ids}
            )
            q |= Q(flow_task__in=[node for flow_class in flows for node in flow_nodes(flow_class)]) & Exists(cases)  # type: ignore[assignment]  # as above
    return q


# --- the declared rules as a table (issue 19 item 4) ------------------------------


def _flows_with_rules() -> list[type[Flow]]:
    """Every flow class whose process model declares ``separation_rules`` (each app's
    ``flows`` module imported first, by name: core imports no app)."""
    from viewflow.workflow.base import Flow as BaseFlow

    for app_config in apps.get_app_configs():
        if app_config.name.startswith("workflows.") and find_spec(f"{app_config.name}.flows") is not None:
            import_module(f"{app_config.name}.flows")
    found, pending = [], list(BaseFlow.__subclasses__())
    while pending:
        flow_class = pending.pop()
        pending.extend(flow_class.__subclasses__())
        if getattr(getattr(flow_class, "process_class", None), "separation_rules", None):
            found.append(flow_class)
    return found


def declared_rules() -> set[tuple[str, str]]:
    """``(flow_task, excluded_node)`` of every declared rule of every flow: the task's stored
    node reference (its ``flow_task`` column) and a node whose finishers may not act on it."""
    as_stored = Task._meta.get_field("flow_task").get_prep_value
    return {
        (as_stored(getattr(flow_class, node_name)), forbidden)
        for flow_class in _flows_with_rules()
        for node_name in flow_class.process_class.separation_rules
        if hasattr(flow_class, node_name)  # a flow sharing the model without that node has no such task
        for forbidden in forbidden_nodes(flow_class, node_name)
    }


def rule_table_differences(using: str = DEFAULT_DB_ALIAS) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """``(missing, stale)``: declared rules not in ``SeparationRule``, and rows declared nowhere."""
    declared = declared_rules()
    stored = set(SeparationRule.objects.using(using).values_list("flow_task", "excluded_node"))
    return declared - stored, stored - declared


def sync_rule_table(using: str = DEFAULT_DB_ALIAS) -> tuple[int, int]:
    """Make ``SeparationRule`` the declared rules; returns (rows added, rows removed)."""
    missing, stale = rule_table_differences(using)
    rows = SeparationRule.objects.using(using)
    for flow_task, excluded_node in stale:
        rows.filter(flow_task=flow_task, excluded_node=excluded_node).delete()
    rows.bulk_create([SeparationRule(flow_task=task, excluded_node=node) for task, node in sorted(missing)])
    return len(missing), len(stale)


def sync_rule_table_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """``post_migrate``: the table follows the declarations after every migrate (and after a
    test database is flushed), unless it does not exist at the migrated state."""
    if SeparationRule._meta.db_table in connections[using].introspection.table_names():
        sync_rule_table(using)


def check_rule_table(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check --database default``: the table holds exactly the declared rules (else
    the queue would show tasks the node checks refuse, or hide tasks they allow). A warning,
    not an error: ``migrate`` runs the database checks before it migrates, and must still run
    to write the table (its ``post_migrate`` handler); ``--fail-level WARNING`` fails on it."""
    warnings: list[checks.CheckMessage] = []
    for alias in databases or ():
        if SeparationRule._meta.db_table not in connections[alias].introspection.table_names():
            continue  # not migrated yet: ``migrate`` creates and fills it
        missing, stale = rule_table_differences(alias)
        if missing or stale:
            warnings.append(
                checks.Warning(
                    f"SeparationRule differs from the declared separation_rules: {len(missing)} missing, "
                    f"{len(stale)} not declared ({sorted(missing | stale)[:3]} …)",
                    hint="Run manage.py migrate (its post_migrate handler writes the table).",
                    id="core.W120",
                )
            )
    return warnings


__all__ = [
    "ERR_SEPARATION",
    "actors_of",
    "check_rule_table",
    "conflict_id_numbers",
    "declared_rules",
    "excluded_tasks_q",
    "excluded_user_ids",
    "forbidden_nodes",
    "rule_table_differences",
    "sync_rule_table",
    "users_related_to",
]

"""What every case process shares: its place in the region tree and a case number.

Each business process model inherits ``CaseFields`` next to viewflow's
``Process``. Region columns are denormalised onto the process row (county,
township and village) because every list, inbox and permission check filters
on them; they are set once when the case is opened.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.managers import TaskQuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from .models import County, Township, Village
from .scope import claimable_q, exclude_separated, user_scope
from .types import Actor, AnyUser, Staff

if TYPE_CHECKING:
    from viewflow.workflow.base import Flow, Node

    #: The flows a task list or inbox covers.
    FlowClasses: TypeAlias = Sequence[type[Flow]]


class CaseFields(models.Model):
    case_number = models.CharField(_("案件编号"), max_length=32, unique=True, null=True, blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）"))
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）"))

    CASE_PREFIX = "CASE"

    # viewflow's ``Process``, which every case model also inherits, supplies them.
    created: datetime.datetime | None
    flow_class: type[Flow]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        forget_separation(self)
        super().save(*args, **kwargs)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        forget_separation(self)
        super().refresh_from_db(*args, **kwargs)

    def assign_case_number(self) -> str:
        """Human-readable, unique: <prefix>-<township code>-<year>-<process pk>."""
        year = self.created.astimezone().year if self.created else ""
        self.case_number = f"{self.CASE_PREFIX}-{self.township.code}-{year}-{self.pk:06d}"
        return self.case_number

    def open_case(
        self,
        *,
        county_id: int,
        township_id: int,
        village_id: int,
        action: str,
        actor: Actor = None,
        changes: dict[str, list[Any]] | None = None,
        data: dict[str, Any] | None = None,
    ) -> str:
        """The tail every programme's opening step shares: place the case in its regions,
        save, give it its case number and write the opening audit row (with the number).
        Call inside the opening service's transaction, after its own checks."""
        from .audit import audit_record, case_chain, start_chain

        self.county_id, self.township_id, self.village_id = county_id, township_id, village_id
        self.save()
        start_chain(case_chain(self.pk))  # a new case: its chain has no head row yet
        number = self.assign_case_number()
        self.save(update_fields=["case_number"])
        audit_record(action=action, target=self, actor=actor, process_id=self.pk, changes=changes,
                     data={"case_number": number, **(data or {})})  # fmt: skip
        return number

    def shift_clock_back(self, by: datetime.timedelta) -> None:
        """Demo only (``core.demo_clock``): move this case's own dates ``by`` (a timedelta)
        earlier when its running timer is fast-forwarded. Override where the process stores
        a date the timer depends on; the default has none."""

    # Separation of duties (domain.md §1), declared per process model:
    # node -> nodes (shell patterns) whose finishers may not act on it.
    #     separation_rules = {"approve": {"investigate", "propose", "sign_*"}}
    separation_rules: dict[str, set[str]] = {}
    # node -> CaseActorRecord.Kind recorded when it finishes (default "acted").
    actor_kinds: dict[str, str] = {}
    # Name of the ForeignKey to households.Household, if the case has one:
    # staff whose own or declared relative's ID number is in that household
    # are excluded from every node of the case.
    household_field: str | None = None

    def household_id_numbers(self) -> set[str]:
        """ID numbers of the case's household members (empty if the case has no household)."""
        if not self.household_field:
            return set()
        household_id = getattr(self, f"{self.household_field}_id", None)
        if household_id is None:
            return set()
        members = household_member_model(type(self))._default_manager.filter(household_id=household_id)
        return set(members.values_list("id_number", flat=True))

    def excluded_actor_ids(self, node_name: str) -> set[int]:
        """Users who may not act on ``node_name`` of this case (separation of duties).

        The single entry point node checks and services call. The default
        applies ``separation_rules`` (recorded actors) and the own-household /
        declared-relative rule; subclasses may add to ``super()``'s set, but
        then the queue (which uses the SQL form in
        ``workflows.core.separation.excluded_tasks_q``) will not know: prefer
        declaring rules.
        """
        from .separation import excluded_user_ids

        return excluded_user_ids(self, node_name)

    def excluded_actor_queries(self, node_name: str) -> list[models.QuerySet[Any, Any]]:
        """Case-specific exclusions at ``node_name`` as querysets of user ids
        (``values_list(<user id column>, flat=True)``, unordered): answered by the same
        statement as the declared rules (``separation.excluded_user_ids``, one UNION),
        not a read of their own per check. The queue needs them as SQL as well
        (``separation_sql``)."""
        return []


# --- separation result remembered on the case instance ----------------------
# The node checks (``CaseNodeMixin``) ask ``excluded_actor_ids(node)`` each time
# viewflow asks can_assign / can_execute / is_separated, often several times per
# request for the same task (the action menu, the view wrapper, the middleware).
# The set does not depend on the user asking, so it is kept per node on the
# process instance, and forgotten whenever what it was computed from may have
# changed: the case is saved or reloaded, a human task of it finished (a new
# actor record), or the transaction that computed it committed, rolled back or
# rolled back to a savepoint. A service's own check right before its write uses
# the memo too (``separation_excluded``): under the driver's case lock, in the
# same transaction as the node checks, nothing it depends on can have changed
# without dropping it (issue 19: one separation read per task action).

_SEPARATION_MEMO = "_separation_memo"


def household_member_model(process_class: type[CaseFields]) -> type[models.Model]:
    """The model of the members of a case's household, reached through the case's own
    household foreign key (``household_field``) and its ``members`` relation: core names
    no household app (it sits below them)."""
    field_name = process_class.household_field
    assert field_name is not None, "only for a case model with a household_field"
    # A resolved relation's ``related_model`` is a model class (django-stubs also allows "self" or None).
    household_model = cast("type[models.Model]", process_class._meta.get_field(field_name).related_model)
    return cast("type[models.Model]", household_model._meta.get_field("members").related_model)


def forget_separation(process: CaseFields) -> None:
    process.__dict__.pop(_SEPARATION_MEMO, None)


def separation_excluded(process: CaseFields, node_name: str) -> frozenset[int]:
    """``process.excluded_actor_ids(node_name)``, computed once per node, case instance and
    transaction (kept on the instance, with the transaction's ``txmemo.transaction_epoch``)."""
    from .scope import access_generation
    from .txmemo import transaction_epoch

    epoch = transaction_epoch()
    if epoch is None:
        return frozenset(process.excluded_actor_ids(node_name))  # autocommit: nothing to share
    # Also forgotten when access data changed (a relative declared, a household member added):
    # a newly excluded user is excluded at once, in the same transaction.
    generation = access_generation()
    memo: tuple[object, int, dict[str, frozenset[int]]] | None = process.__dict__.get(_SEPARATION_MEMO)
    if memo is None or memo[0] is not epoch or memo[1] != generation:
        memo = (epoch, generation, {})
        process.__dict__[_SEPARATION_MEMO] = memo
    if node_name not in memo[2]:
        memo[2][node_name] = frozenset(process.excluded_actor_ids(node_name))
    return memo[2][node_name]


class CaseTaskQuerySet(TaskQuerySet):
    def coerce_for(self, flow_classes: FlowClasses) -> CaseTaskQuerySet:
        """viewflow's ``coerce_for`` (tasks of ``flow_classes``, with their process), the
        flow named by ``flow_task`` instead of a filter on the joined process row."""
        nodes = [node for flow_class in flow_classes for node in flow_nodes(flow_class)]
        qs = self.filter(flow_task__in=nodes).select_related("process")
        qs._coerced = True
        return qs

    def filter_available(self, flow_classes: FlowClasses, user: AnyUser) -> CaseTaskQuerySet:
        """Tasks of ``flow_classes`` whose case lies in ``user``'s regions: viewflow's
        ``filter_available`` (the flows the user may view, ``coerce_for`` them) with the
        region test, whose per-flow ``flow_task IN (…)`` names the flow already: viewflow's
        ``coerce_for`` would add the same list of node names a second time, which the
        planner and the ORM then read twice per statement."""
        from viewflow.workflow.managers import _available_flows

        qs = self.model._default_manager.filter(case_scope_q(_available_flows(flow_classes, user), user))
        qs = qs.select_related("process")
        qs._coerced = True
        return qs

    def without_separated(self, flow_classes: FlowClasses, user: Staff) -> CaseTaskQuerySet:
        """Drop tasks ``user`` may not act on (separation of duties), in SQL: each rule an
        anti-join of its own (``scope.exclude_separated``, the rows of ``excluded_tasks_q``)."""
        return exclude_separated(self, flow_classes, user)

    def inbox(self, flow_classes: FlowClasses, user: AnyUser) -> CaseTaskQuerySet:
        """Assigned to ``user``, or to a principal ``user`` stands in for today."""
        qs = self.filter_available(flow_classes, user).filter(status=STATUS.ASSIGNED)
        stand_ins = stand_in_q(flow_classes, user)
        return qs.filter(Q(owner=user) | stand_ins) if stand_ins is not None else qs.filter(owner=user)

    def queue(self, flow_classes: FlowClasses, user: Staff) -> CaseTaskQuerySet:
        """viewflow's queue (human, NEW, claimable by permission) with the permission test as
        a row comparison (``scope.claimable_q``, not viewflow's concatenation), minus
        separation-of-duty exclusions."""
        qs = self.filter_available(flow_classes, user).filter(flow_task_type="HUMAN", status=STATUS.NEW)
        return qs.filter(claimable_q(user)).without_separated(flow_classes, user)


def stand_in_q(flow_classes: FlowClasses, user: AnyUser) -> models.Q | None:
    """Q over Task rows assigned to a principal ``user`` stands in for today, in the stand-in's
    township (``standins.inbox_q``'s rule), or None when ``user`` stands in for nobody (the
    inbox is then ``owner = user`` alone). The township is read from the process model's own
    row by ``process_id`` and the flow from ``flow_task``: no join to ``viewflow_process``,
    which the former ``process__flow_class`` test added to every inbox statement, even with
    no stand-in to look for."""
    from .standins import active_standins_for_deputy

    stand_ins = active_standins_for_deputy(user)
    if not stand_ins:
        return None
    q = models.Q(pk__in=[])
    for flow_class in flow_classes:
        nodes = flow_nodes(flow_class)
        for s in stand_ins:
            cases = flow_class.process_class._default_manager.filter(township_id=s.township_id).values("pk")
            q |= models.Q(owner_id=s.principal_id, flow_task__in=nodes, process_id__in=cases)
    return q


def flow_nodes(flow_class: type[Flow], *, human: bool = False) -> list[Node]:
    """The nodes of ``flow_class`` (only its human tasks with ``human``). ``flow_task`` of a
    task row is ``<flow class reference>.<node name>``: filtering on these names the flow
    without joining ``viewflow_process`` for its ``flow_class``."""
    nodes = flow_class.instance.nodes()
    return [n for n in nodes if not human or getattr(n, "task_type", None) == "HUMAN"]


def case_scope_q(flow_classes: FlowClasses, user: AnyUser) -> models.Q:
    """Q over Task rows: the task's case lies in the user's regions.

    The flow is read from ``flow_task`` and the region from the process model's own row
    (a semi-join on its primary key, which is the task's ``process_id``): no join to
    ``viewflow_process`` (issue 19 item 4)."""
    scope = user_scope(user)
    q = models.Q(pk__in=[])
    for flow_class in flow_classes:
        cases = flow_class.process_class._default_manager.filter(scope.case_filter()).values("pk")
        q |= models.Q(flow_task__in=flow_nodes(flow_class), process_id__in=cases)
    return q


class CaseTask(Task):
    """viewflow's Task table, with region-scoped ``filter_available``."""

    objects = CaseTaskQuerySet.as_manager()

    def refresh_from_db(self, using: str | None = None, fields: Any = None, from_queryset: Any = None) -> None:
        """viewflow re-reads the task under the case lock (a Handle's run, the driver), which
        drops its cached case, and the activation then reads the case again, twice (the base
        row, then the programme's row). Under the lock the case was already read, whole, by
        ``CaseLock``: that instance becomes the task's case for the rest of the transaction
        (``flows.locked_case``, adopted, so ``coerce`` serves the same instance): two reads
        fewer per Handle run (issue 19 item 3). Outside the lock nothing changes."""
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None:
            from .flows import locked_case

            case = locked_case(self.process_id, adopt=True)
            if case is not None:
                self.process = case

    class Meta:
        proxy = True
        verbose_name = _("任务")
        verbose_name_plural = _("任务")

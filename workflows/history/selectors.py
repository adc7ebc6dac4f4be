"""Reading a case's history: timeline, replay to any event, diff of two points.

Replay is generic over process models: it never reads the live rows of a
case, only its audit chain. Every ``changes`` entry ({field: [old, new]}) is
applied in seq order to a dict per target (model label, pk); task states come
from the ``task.*`` events; the rule versions in force are looked up for the
case's county on the event's date, among the versions already recorded then.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import chart, flow
from viewflow.workflow.models import Process, Task

from workflows.core import events as audit_events
from workflows.core.audit import ChainBreak, diff, verify_chains
from workflows.core.flows import coerce
from workflows.core.models import (
    AssetLimit,
    AuditEvent,
    County,
    DibaoStandard,
    SamplingRule,
    TemporaryAssistanceRule,
)
from workflows.core.models.rules import Area, RuleNotConfigured

from .models import HistoryAnchor

TASK_STATUS_BY_ACTION = {
    "task.assigned": "ASSIGNED",
    "task.unassigned": "NEW",
    "task.started": "STARTED",
    "task.finished": "DONE",
    "task.cancelled": "CANCELED",
    "task.failed": "ERROR",
    "task.revived": "REVIVED",
}


def chain_of(process: Process) -> str:
    return f"case:{process.pk}"


def case_events(process: Process) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(chain=chain_of(process)).select_related("actor", "on_behalf_of").order_by("seq")


def action_label(action: str) -> str:
    """The action in words, from the registry of audit actions (``workflows.core.events``)."""
    return audit_events.label(action)


@dataclass
class CaseState:
    """A case as of one event of its chain."""

    seq: int
    occurred_at: datetime.datetime | None
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def flat(self) -> dict[str, Any]:
        """Everything as one {"section.key.field": value} dict (for diffs)."""
        out: dict[str, Any] = {}
        for target, fields in self.objects.items():
            for name, value in fields.items():
                out[f"{target}.{name}"] = value
        for pk, task in self.tasks.items():
            out[f"task#{pk}:{task['node']}.status"] = task["status"]
            out[f"task#{pk}:{task['node']}.owner"] = task["owner"]
        for name, rule in self.rules.items():
            out[f"rule.{name}"] = rule.get("summary")
        return out


def apply_event(state: CaseState, event: AuditEvent) -> None:
    if event.changes:
        target = state.objects.setdefault(f"{event.target_type}#{event.target_id}", {})
        for name, pair in event.changes.items():
            target[name] = pair[1] if isinstance(pair, list) and len(pair) == 2 else pair
    if event.action.startswith("task.") and isinstance(event.data, dict) and "task" in event.data:
        task = state.tasks.setdefault(event.data["task"], {"node": event.data.get("node"), "owner": None})
        if event.action == "task.created":
            task["status"] = event.data.get("status", "NEW")
            task["owner"] = event.data.get("owner")
        else:
            task["status"] = TASK_STATUS_BY_ACTION.get(event.action, task.get("status"))
            if "owner" in event.data:
                task["owner"] = event.data["owner"]
    state.seq, state.occurred_at = event.seq, event.occurred_at


RULE_LABELS = {
    "dibao_standard_urban": _("城市低保标准"),
    "dibao_standard_rural": _("农村低保标准"),
    "asset_limit": _("家庭财产限额"),
    "temporary_assistance": _("临时救助规则"),
    "sampling": _("抽查规则"),
}


def rules_in_force(county: County, when: datetime.datetime) -> dict[str, dict[str, Any]]:
    """Rule versions in force for ``county`` on ``when``'s date, among rows recorded by then."""
    on = timezone.localdate(when)
    lookups = [
        ("dibao_standard_urban", DibaoStandard, {"area": Area.URBAN}),
        ("dibao_standard_rural", DibaoStandard, {"area": Area.RURAL}),
        ("asset_limit", AssetLimit, {}),
        ("temporary_assistance", TemporaryAssistanceRule, {}),
        ("sampling", SamplingRule, {}),
    ]
    out: dict[str, dict[str, Any]] = {}
    for name, model, filters in lookups:
        try:
            row = model.objects.filter(created_at__lte=when).in_force(county=county, on=on, **filters)
        except RuleNotConfigured:
            continue
        info: dict[str, Any] = {
            "id": row.pk,
            "label": str(RULE_LABELS[name]),
            "effective_from": row.effective_from.isoformat(),
            "summary": str(row),
        }
        if isinstance(row, DibaoStandard):
            info["monthly_amount"] = f"{row.monthly_amount:.2f}"
        elif isinstance(row, AssetLimit):
            info["financial_assets_per_capita"] = f"{row.financial_assets_per_capita:.2f}"
        elif isinstance(row, TemporaryAssistanceRule):
            try:
                info["township_limit"] = f"{row.effective_township_limit(on=on):.2f}"
            except RuleNotConfigured:
                info["township_limit"] = None
        elif isinstance(row, SamplingRule):
            info["ratio"] = str(row.ratio)
        out[name] = info
    return out


def replay(process: Process, at: int | None = None, *, events: list[AuditEvent] | None = None) -> CaseState:
    """The case as of event ``at`` (its seq; default: the latest event)."""
    process = coerce(process)
    if events is None:
        qs = AuditEvent.objects.filter(chain=chain_of(process)).order_by("seq")
        if at is not None:
            qs = qs.filter(seq__lte=at)
        events = list(qs.only("seq", "occurred_at", "action", "target_type", "target_id", "changes", "data"))
    state = CaseState(seq=0, occurred_at=None)
    for event in events:
        if at is not None and event.seq > at:
            break
        apply_event(state, event)
    county = getattr(process, "county", None)
    if county is not None and state.occurred_at is not None:
        state.rules = rules_in_force(county, state.occurred_at)
    return state


def state_diff(before: CaseState, after: CaseState) -> dict[str, list[Any]]:
    """{"section.key.field": [value at before, value at after]} for what differs."""
    return diff(before.flat(), after.flat())


@dataclass
class CaseVerification:
    chain: str
    events: int
    broken: ChainBreak | None
    anchor: HistoryAnchor | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def case_verification(process: Process) -> CaseVerification:
    """The case chain recomputed, plus the latest anchor's record of it."""
    chain = chain_of(process)
    anchor = HistoryAnchor.objects.order_by("-pk").first()
    anchored = anchor.anchored() if anchor else {}
    report = verify_chains([chain], anchored=anchored)
    broken = report.breaks[0] if report.breaks else None
    return CaseVerification(chain=chain, events=report.events, broken=broken, anchor=anchor)


def flow_chart_svg(process: Process, state: CaseState | None = None) -> str:
    """The flow diagram, nodes coloured by the path taken.

    With ``state``, node statuses come from the replayed tasks (the diagram as
    of that event); without, from the live task rows (where the case is now).
    """
    process = coerce(process)
    flow_class = process.flow_class
    grid = chart.calc_layout_data(flow_class)
    if state is None:
        chart.calc_cell_status(flow_class, grid, process.pk)
    else:
        by_name = {node.name: node for node in grid.nodes}
        for task in sorted(state.tasks.values(), key=lambda t: t.get("status") == "NEW"):
            node = by_name.get(task["node"])
            if node is not None and (grid[node].status is None or task["status"] != "NEW"):
                grid[node].status = task["status"]
    from .flow_chart import render

    return render(grid, title=str(_("%(flow)s流程图") % {"flow": flow_class.process_title}))


def path_taken(process: Process) -> list[Task]:
    """The case's tasks in the order they were created (the path through the flow)."""
    return list(Task.objects.filter(process_id=process.pk).select_related("owner").order_by("created", "pk"))


def visible_process(pk: int) -> Process | None:
    process = Process.objects.filter(pk=pk).first()
    return coerce(process) if process else None


def node_title(process: Process, name: str | None) -> str:
    if not name:
        return ""
    node = coerce(process).flow_class.instance.node(name, no_obsolete=True)
    return str(getattr(node, "task_title", "") or name) if node else name


def is_start_node(process: Process, name: str | None) -> bool:
    node = coerce(process).flow_class.instance.node(name, no_obsolete=True) if name else None
    return isinstance(node, flow.Start)


@dataclass
class Decision:
    """A human task done: who, when, and the changes they recorded while doing it."""

    node: str | None
    title: str
    actor: Any
    started_at: datetime.datetime
    finished_at: datetime.datetime | None = None
    events: list[AuditEvent] = field(default_factory=list)


def decisions(process: Process, events: list[AuditEvent]) -> list[Decision]:
    """Completed human tasks with the data changes their owner recorded in between."""
    open_tasks: dict[int | None, Decision] = {}
    out = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if event.action == "task.started" and event.actor_id is not None:
            open_tasks[data.get("task")] = Decision(
                node=data.get("node"),
                title=node_title(process, data.get("node")),
                actor=event.actor,
                started_at=event.occurred_at,
            )
        elif event.action == "task.finished" and data.get("task") in open_tasks:
            decision = open_tasks.pop(data["task"])
            decision.finished_at = event.occurred_at
            out.append(decision)
        elif not event.action.startswith(("task.", "flow.")):
            for decision in open_tasks.values():
                if decision.actor.pk == event.actor_id:
                    decision.events.append(event)
    # A Start task's own data is written before viewflow saves the task:
    # attach the case's opening events (same actor, before the start) to it.
    for decision in out:
        if is_start_node(process, decision.node) and not decision.events:
            decision.events = [
                e
                for e in events
                if e.occurred_at <= decision.started_at
                and e.actor_id == decision.actor.pk
                and not e.action.startswith(("task.", "flow."))
                and not any(e in d.events for d in out)
            ]
    return out


EVIDENCE_PREFIXES = (
    "evidence.",
    "document.",
    "documents.",
    "attachment.",
    "finance_check.evidence",
    "finance_check.manual_evidence",
    "finance_check.evaluated",
)

#: Fields whose values name another process whose chain holds this case's evidence
#: (the household-finance check runs as its own process, with its own chain).
LINKED_PROCESS_FIELDS = ("finance_check_id",)


def linked_chains(events: list[AuditEvent]) -> list[str]:
    """Chains of the processes this case's events link to (e.g. its finance checks)."""
    pks: list[int] = []
    for event in events:
        for name in LINKED_PROCESS_FIELDS:
            pair = (event.changes or {}).get(name)
            value = pair[1] if isinstance(pair, list) and len(pair) == 2 else None
            if isinstance(value, int) and value not in pks:
                pks.append(value)
    return [f"case:{pk}" for pk in pks]


def evidence(events: list[AuditEvent]) -> list[AuditEvent]:
    """Events recording stored evidence or generated documents: the case's own, then
    those on the chains of the processes it links to (its registry evidence)."""
    own = [e for e in events if e.action.startswith(EVIDENCE_PREFIXES)]
    chains = linked_chains(events)
    if not chains:
        return own
    linked = [
        e
        for e in AuditEvent.objects.filter(chain__in=chains).order_by("chain", "seq")
        if e.action.startswith(EVIDENCE_PREFIXES)
    ]
    return own + linked


def processes_without_chain(*, case_pks: list[int] | None = None) -> list[int]:
    """Pks of processes (of ``case_pks``, default all) whose ``case:<pk>`` chain has no event.

    Every process writes "flow.started" on its chain in the transaction that
    creates it, so a process without events had its whole chain deleted. One
    anti-join over the (chain, seq) index, one snapshot with the process rows.
    """
    chain = Concat(Value("case:"), Cast(OuterRef("pk"), output_field=CharField()), output_field=CharField())
    qs = Process.objects.filter(~Exists(AuditEvent.objects.filter(chain=chain)))
    if case_pks is not None:
        qs = qs.filter(pk__in=case_pks)
    return list(qs.order_by("pk").values_list("pk", flat=True))

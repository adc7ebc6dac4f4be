"""Keep ``CaseIndex`` in step with the flows' process tables.

Every save of a case process (any ``CaseFields`` process model of a
registered flow) refreshes its index row in the same transaction; so do a
change to a household member's name and a temporary-assistance payment
(assist-first pending). ``rebuild_case_index()`` (``manage.py
workspace_reindex``) rebuilds every row, e.g. after loading data with
signals off.
"""

from __future__ import annotations

import datetime
from functools import cache

from django.db.models import Value
from django.db.models.signals import post_save
from django.utils import timezone
from viewflow.workflow.flow import Flow
from viewflow.workflow.models import Process

from workflows.core.audit import stage_upsert
from workflows.core.receivers import connect_models
from workflows.core.txmemo import TransactionMemo

from .models import CaseIndex, Outcome

SAMPLE_FLOW_LABEL = "skeleton"


class _WrittenThisTransaction:
    """What this transaction already wrote to the index, so that a case saved several times
    in one transaction (a viewflow activation saves its process two or three times) is
    written once, and again only when its index columns change. Kept in a
    ``TransactionMemo``: forgotten at commit, rollback and savepoint rollback; nothing is
    remembered in autocommit. Only the save receiver consults it: an explicit
    ``refresh_case_index`` (reindex, a repair) always writes."""

    def __init__(self):
        self._memo = TransactionMemo()

    def changed(self, process_pk: int, values: dict) -> bool:
        """True when ``values`` differ from what this transaction last wrote for the case
        (and remember them as written)."""
        memo = self._memo.current()
        if memo is None:
            return True
        key = ("row", process_pk)
        if memo.get(key) == values:
            return False
        memo[key] = dict(values)
        return True


_written = _WrittenThisTransaction()


@cache
def _registered_flows() -> tuple[type, ...]:
    """Every flow registered in the staff site (``project.urls.flow_viewsets``), in menu order."""
    from project.urls import flow_viewsets

    seen, out = set(), []
    for viewset in flow_viewsets:
        flow_class = viewset._flow_class
        if flow_class not in seen:
            seen.add(flow_class)
            out.append(flow_class)
    return tuple(out)


def case_flows() -> tuple[type[Flow], ...]:
    """The case flows staff work on, in menu order: every registered flow, the sample flow
    (流程样板) only where ``settings.SAMPLE_FLOW_VISIBLE`` (a demo) enables it."""
    from django.conf import settings

    if getattr(settings, "SAMPLE_FLOW_VISIBLE", False):
        return _registered_flows()
    return tuple(f for f in _registered_flows() if f.instance.flow_label != SAMPLE_FLOW_LABEL)


def case_models() -> set[type]:
    return {flow_class.process_class for flow_class in case_flows()}


def _local_date(value) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value)
    return value


def _applicant_name_sql(household_id: int | None):
    """The same name as ``_applicant_name``, as a subquery of the index's INSERT: the
    upsert that runs on every save of a case reads no member rows itself (issue 19)."""
    from django.db.models import Case, IntegerField, Subquery, Value, When
    from django.db.models.functions import Coalesce, Substr

    from workflows.households.models import HouseholdMember

    if household_id is None:
        return ""
    first = (
        HouseholdMember.objects.filter(household_id=household_id)
        .order_by(
            Case(When(relation=HouseholdMember.Relation.APPLICANT, then=Value(0)), default=Value(1),
                 output_field=IntegerField()),
            "pk",
        )
        .values(short=Substr("name", 1, 50))[:1]
    )  # fmt: skip
    return Coalesce(Subquery(first), Value(""))


def _applicant_name(process) -> str:
    household_id = getattr(process, "household_id", None)
    if household_id is None:
        return ""
    from workflows.households.models import HouseholdMember

    members = list(
        HouseholdMember.objects.filter(household_id=household_id).order_by("pk").values_list("name", "relation")
    )
    for name, relation in members:
        if relation == HouseholdMember.Relation.APPLICANT:
            return name
    return members[0][0] if members else ""


def _assist_first_pending(process) -> bool:
    if not getattr(process, "paperwork_pending", False):
        return False
    payments = getattr(process, "payments", None)
    return bool(payments is not None and payments.exists())


def index_values(process) -> dict:
    """The index columns of one (coerced) case process."""
    return {**_index_columns(process), "applicant_name": _applicant_name(process)[:50]}


def _index_columns(process) -> dict:
    """``index_values`` but the applicant's name (read by the upsert itself)."""
    due_on = getattr(process, "effective_due_on", None)
    if due_on is None and getattr(process, "paperwork_pending", False):
        due_on = getattr(process, "paperwork_due", None)
    decided_on = getattr(process, "decided_on", None) or _local_date(getattr(process, "decided_at", None))
    decision = getattr(process, "decision", "") or ""
    amount = getattr(process, "monthly_amount", None)
    if amount is None:
        amount = getattr(process, "approved_amount", None)
    accepted_on = getattr(process, "accepted_on", None)
    if accepted_on is None and not hasattr(process, "accepted_on"):
        accepted_on = _local_date(process.created)
    return {
        "flow_label": process.flow_class.instance.flow_label,
        "status": process.status,
        "case_number": process.case_number or "",
        "county_id": process.county_id,
        "township_id": process.township_id,
        "village_id": process.village_id,
        "due_on": due_on,
        "staff_relative": bool(getattr(process, "staff_relative", False)),
        "assist_first_pending": _assist_first_pending(process),
        "accepted_on": accepted_on,
        "decided_on": decided_on,
        "outcome": decision if decision in Outcome.values else "",
        "amount": amount,
    }


def refresh_case_index(process, *, unless_written: bool = False, at_commit: bool = False) -> CaseIndex | None:
    """Write the index row of ``process`` (a case of a registered flow); returns it (its
    ``applicant_name`` is the SQL expression the row was written with).
    ``unless_written``: skip the write when this transaction already wrote these values
    (the save receivers: once per transaction and state, see ``_WrittenThisTransaction``).
    ``at_commit`` (the receivers): write it when the transaction commits, with its audit
    events (``audit.stage_upsert``: the last row of the case only, and no statement of its
    own on PostgreSQL); a statement on the index before then sees it all the same."""
    from workflows.core.flows import coerce

    process = coerce(process)
    if type(process) not in case_models() or process.township_id is None:
        return None
    values = _index_columns(process)
    household_id = getattr(process, "household_id", None)
    # The name follows the household: the memo compares its id (a member's rename refreshes
    # the index itself, ``_on_member_saved``, without the memo).
    if not _written.changed(process.pk, {**values, "household_id": household_id}) and unless_written:
        return CaseIndex(process_id=process.pk, **values)  # this transaction already wrote these values
    row = CaseIndex(process_id=process.pk, applicant_name=_applicant_name_sql(household_id), **values)
    # One INSERT … ON CONFLICT DO UPDATE instead of update_or_create's savepoint, locked
    # read, write and release: this runs on every save of a case, inside its transaction.
    update_fields = [*values, "applicant_name", "refreshed_at"]
    if at_commit:
        stage_upsert(row, update_fields=update_fields)
    else:
        CaseIndex.objects.bulk_create(
            [row], update_conflicts=True, unique_fields=["process"], update_fields=update_fields
        )
    return row


def rebuild_case_index() -> int:
    count = 0
    for model in case_models():
        for process in model.objects.all().iterator():
            if refresh_case_index(process) is not None:
                count += 1
    return count


# --- receivers -------------------------------------------------------------------


def _on_process_saved(sender, instance, raw=False, **kwargs):
    """A process row saved: refresh the index when it is a case of a registered flow."""
    if raw:
        return
    refresh_case_index(instance, unless_written=True, at_commit=True)


def _on_member_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # The household's cases of every case model in one statement (usually none: the member of
    # a household being registered), then each found case read as its own model.
    with_household = [m for m in case_models() if any(f.name == "household" for f in m._meta.fields)]
    found = [
        model._default_manager.filter(household_id=instance.household_id)
        .order_by()
        .annotate(_model=Value(number))
        .values_list("pk", "_model")
        for number, model in enumerate(with_household)
    ]
    if not found:
        return
    first, *rest = found
    for pk, number in first.union(*rest, all=True) if rest else first:
        refresh_case_index(with_household[number]._default_manager.get(pk=pk), at_commit=True)


def _on_payment_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    refresh_case_index(instance.process, at_commit=True)


def connect() -> None:
    """Called from ``WorkspaceConfig.ready`` (no flow import at start-up: the flows are
    looked up at the first save)."""
    # Each process model (viewflow's Process and the flows' subclasses/proxies), not every model.
    connect_models(post_save, _on_process_saved, Process, dispatch_uid="workspace.index.process")
    from workflows.households.models import HouseholdMember

    post_save.connect(_on_member_saved, sender=HouseholdMember, dispatch_uid="workspace.index.member")
    from workflows.temporary_assistance.models import Payment

    post_save.connect(_on_payment_saved, sender=Payment, dispatch_uid="workspace.index.payment")

"""Reads for the staff workspace: the cross-flow task lists and their rows.

Every list is one queryset over viewflow's Task table for all registered case
flows, joined to ``CaseIndex`` (one row per case) for the case columns: region
scope, separation-of-duty exclusions and stand-ins are SQL, so a page costs
the same number of queries whatever the number of tasks (asserted in
tests/workspace/test_lists__queries.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.base import Node
from viewflow.workflow.models import Process
from viewflow.workflow.status import STATUS

from workflows.core.cases import CaseTask, flow_nodes
from workflows.core.models import County, Township
from workflows.core.scope import claimable_q, exclude_separated, held_region_pks, user_scope
from workflows.core.standins import inbox_q
from workflows.core.types import AnyUser, Staff
from workflows.core.working_days import Calendar

from .indexing import case_flows
from .models import CaseIndex

if TYPE_CHECKING:
    from workflows.documents.models import PendingDocument
    from workflows.households.models import Household

IDX = "process__case_index__"

OPEN_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def human_nodes() -> list[tuple[str, str]]:
    """(value, label) of every human node of every case flow, for the stage filter."""
    out = []
    for flow_class in case_flows():
        label = flow_class.instance.flow_label
        title = flow_class.process_title
        for node in flow_class.instance.nodes():
            if getattr(node, "task_type", None) == "HUMAN":
                out.append((f"{label}/{node.name}", f"{title} · {node.task_title or node.name}"))
    return out


def node_by_value(value: str) -> Node | None:
    label, _, name = value.partition("/")
    for flow_class in case_flows():
        if flow_class.instance.flow_label == label:
            return getattr(flow_class, name, None)
    return None


_DISPLAY = ("process__case_index__township", "process__case_index__village", "owner")


def page_tasks(page_pks: QuerySet) -> list[CaseTask]:
    """The tasks of one list page with what their rows show (case index, township, village,
    owner), from ``page_pks``: the page's slice of the list's ``values_list("pk")``, whose
    query needs only the joins of the filters and the sort. One statement: the page's ids
    are its subquery (filtered, sorted, LIMITed) and the display columns are joined to
    those 20 rows only, then put in the list's order again: "join display columns after the
    LIMIT" (issue 19 item 4)."""
    tasks = CaseTask.objects.filter(pk__in=page_pks).select_related(*_DISPLAY)
    return list(tasks.order_by(*page_pks.query.order_by))


def _tasks(user: AnyUser) -> QuerySet:
    """Human tasks of case flows whose case lies in ``user``'s regions (indexed cases only).

    The flow is named by ``flow_task`` and the region is a semi-join on the case index by
    ``process_id``: the filters (and so the paginator's count) join neither
    ``viewflow_process`` nor the case index; only the sort and the display columns do."""
    nodes = [node for flow_class in case_flows() for node in flow_nodes(flow_class, human=True)]
    indexed = CaseIndex.objects.filter(user_scope(user).case_filter()).values("process_id")
    return CaseTask.objects.filter(flow_task__in=nodes, flow_task_type="HUMAN", process_id__in=indexed).select_related(
        *_DISPLAY
    )


def inbox_tasks(user: AnyUser) -> QuerySet:
    """Assigned to ``user``, or to a principal ``user`` stands in for today (代理审批)."""
    return _tasks(user).filter(status=STATUS.ASSIGNED).filter(Q(owner=user) | inbox_q(user, f"{IDX}township_id"))


def queue_tasks(user: Staff) -> QuerySet:
    """Unclaimed tasks ``user`` may claim by role and region, minus separation-of-duty exclusions."""
    return exclude_separated(_tasks(user).filter(claimable_q(user), status=STATUS.NEW), case_flows(), user)


def archive_tasks(user: AnyUser) -> QuerySet:
    """Tasks ``user`` finished (or that were cancelled/sent back while theirs)."""
    return _tasks(user).filter(owner=user, finished__isnull=False)


def supervised_township_ids(user: AnyUser) -> set[int]:
    """Townships where ``user`` is an approver (the supervisor who may reassign)."""
    return set(held_region_pks(user, "act_approver", Township))


def team_tasks(user: AnyUser) -> QuerySet:
    """Open human tasks of the townships ``user`` supervises (to reassign)."""
    return (
        _tasks(user)
        .filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .filter(**{f"{IDX}township_id__in": supervised_township_ids(user)})
    )


@dataclass(frozen=True)
class Filters:
    flow: str = ""
    stage: str = ""
    village: int | None = None
    due_before: datetime.date | None = None
    overdue: bool = False
    staff_relative: bool = False
    assist_first: bool = False
    q: str = ""
    sort: str = "due"


SORTS: dict[str, list[OrderBy | str]] = {
    "due": [F(f"{IDX}due_on").asc(nulls_last=True), "-created", "-pk"],
    "-due": [F(f"{IDX}due_on").desc(nulls_last=True), "-created", "-pk"],
    "created": ["created", "pk"],
    "-created": ["-created", "-pk"],
    "-finished": [F("finished").desc(nulls_last=True), "-pk"],
}


def apply_filters(qs: QuerySet, f: Filters, *, today: datetime.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    if f.flow:
        qs = qs.filter(**{f"{IDX}flow_label": f.flow})
    if f.stage:
        node = node_by_value(f.stage)
        qs = qs.filter(flow_task=node) if node is not None else qs.none()
    if f.village:
        qs = qs.filter(**{f"{IDX}village_id": f.village})
    if f.due_before:
        qs = qs.filter(**{f"{IDX}due_on__lte": f.due_before})
    if f.overdue:
        qs = qs.filter(CaseIndex.deadline_running_q(IDX), **{f"{IDX}due_on__lt": today})
    if f.staff_relative:
        qs = qs.filter(**{f"{IDX}staff_relative": True})
    if f.assist_first:
        qs = qs.filter(**{f"{IDX}assist_first_pending": True})
    if f.q:
        term = f.q.strip()
        qs = qs.filter(Q(**{f"{IDX}case_number__icontains": term}) | Q(**{f"{IDX}applicant_name__icontains": term}))
    return qs.order_by(*SORTS.get(f.sort, SORTS["due"]))


@dataclass(frozen=True)
class TaskRow:
    task: CaseTask
    title: str
    flow_title: str
    case_number: str
    applicant_name: str
    township: str
    village: str
    due_on: datetime.date | None
    days_left: int | None
    overdue: bool
    staff_relative: bool
    assist_first_pending: bool
    owner: str
    execute_url: str | None
    due_provisional: bool = False  # ends in a year whose official schedule is not loaded

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.overdue and self.days_left is not None else 0


def _task_url(task: CaseTask, name: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    flow_label = task.flow_task.flow_class.instance.flow_label
    try:
        return reverse(
            f"cases:{flow_label}:{task.flow_task.name}:{name}",
            kwargs={"process_pk": task.process_id, "task_pk": task.pk},
        )
    except NoReverseMatch:
        return None


def rows_for(
    tasks: Iterable[CaseTask], *, calendar: Calendar | None = None, today: datetime.date | None = None
) -> list[TaskRow]:
    """Display rows for a page of tasks: no query per row (one calendar snapshot for all)."""
    calendar = calendar or Calendar()
    today = today or timezone.localdate()
    out = []
    for task in tasks:
        index = task.process.case_index
        node = task.flow_task
        due = index.due_on if index.deadline_running else None
        days_left = calendar.working_days_between(today, due) if due else None
        out.append(
            TaskRow(
                task=task,
                title=str(node.task_title or node.name),
                flow_title=str(node.flow_class.process_title),
                case_number=index.case_number,
                applicant_name=index.applicant_name,
                township=index.township.name,
                village=index.village.name,
                due_on=due,
                days_left=days_left,
                overdue=days_left is not None and days_left < 0,
                staff_relative=index.staff_relative,
                assist_first_pending=index.assist_first_pending,
                owner=(task.owner.get_full_name() or task.owner.username) if task.owner_id else "",
                execute_url=_task_url(task, "index"),
                due_provisional=calendar.is_provisional(due),
            )
        )
    return out


def reassign_targets(user: AnyUser) -> QuerySet[Staff]:
    """Staff of the townships ``user`` supervises (township roles), for the reassign form."""
    from workflows.core.models import StaffAssignment

    township_ids = supervised_township_ids(user)
    user_ids = StaffAssignment.objects.active().filter(township_id__in=township_ids).values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("username")


#: County roles that open the county dashboard (officers, reviewers, auditors).
DASHBOARD_CODENAMES = ("act_county_officer", "act_county_reviewer", "audit_county")


def dashboard_counties(user: AnyUser) -> QuerySet[County]:
    """Counties whose dashboard ``user`` may open (county officers, reviewers, auditors)."""
    ids: set[int] = set()
    for codename in DASHBOARD_CODENAMES:
        ids |= held_region_pks(user, codename, County)
    return County.objects.filter(pk__in=sorted(ids)).order_by("code")


def case_household(process: Process) -> tuple[Household | None, list[dict[str, Any]]]:
    """The case's household and its members for display (ID numbers masked), or (None, [])."""
    household = getattr(process, "household", None) if getattr(process, "household_id", None) else None
    if household is None:
        return None, []
    from workflows.households.validators import mask_id_number

    members = [
        {
            "name": m.name,
            "relation": m.get_relation_display(),
            "id_number": mask_id_number(m.id_number),
            "age": m.age(),
            "flags": [
                str(label)
                for flag, label in (
                    ("is_disabled", _("残疾")),
                    ("has_serious_illness", _("重病")),
                    ("is_student", _("在校生")),
                )
                if getattr(m, flag, False)
            ],
        }
        for m in household.members.order_by("pk")
    ]
    return household, members


def case_finance(process: Process) -> dict:
    """The case's latest finance check, its outcome in words and its reasons."""
    from workflows.finance_check.models import FinanceCheckProcess, Outcome
    from workflows.finance_check.selectors import latest_check_for

    check_id = getattr(process, "finance_check_id", None)
    check = FinanceCheckProcess.objects.filter(pk=check_id).first() if check_id else None
    if check is None:
        ref = getattr(process, "finance_check_ref", "") or f"{process._meta.app_label}:{process.pk}"
        check = latest_check_for(ref)
    code = getattr(process, "finance_outcome", "") or getattr(process, "finance_check_outcome", "")
    # the stored code ("eligible") in words: people read 符合条件, never the code
    outcome = str(Outcome(code).label) if code and code in Outcome.values else code
    result = getattr(process, "finance_result", None) or (check.result if check is not None else None) or {}
    return {
        "check": check,
        "outcome": outcome or (check.get_outcome_display() if check is not None and check.outcome else ""),
        "reasons": result.get("reasons", []) if isinstance(result, dict) else [],
        "per_capita_income": result.get("per_capita_income") if isinstance(result, dict) else None,
    }


def failed_documents(user: AnyUser) -> list[PendingDocument]:
    """Documents of cases in ``user``'s regions whose render failed after every retry
    (``documents.PendingDocument``), newest first, each with its case number: the office
    sees them in "文书生成失败" and asks again (``documents.services.document_render_retry``)."""
    from workflows.documents.models import PendingDocument

    scope = user_scope(user)
    if scope.is_empty:
        return []
    cases = {
        row["process_id"]: row
        for row in CaseIndex.objects.filter(scope.case_filter())
        .filter(
            process_id__in=PendingDocument.objects.filter(status=PendingDocument.Status.FAILED).values("process_id")
        )
        .values("process_id", "case_number", "applicant_name")
    }
    rows = list(
        PendingDocument.objects.filter(status=PendingDocument.Status.FAILED, process_id__in=list(cases)).order_by(
            "-updated_at", "-pk"
        )
    )
    for row in rows:
        row.case_number = cases[row.process_id]["case_number"]  # type: ignore[attr-defined]  # shown in the list
    return rows


def failed_document_count(user: AnyUser) -> int:
    """How many of the user's cases have a document that failed to render (the navigation badge)."""
    from workflows.documents.models import PendingDocument

    scope = user_scope(user)
    if scope.is_empty:
        return 0
    failed = PendingDocument.objects.filter(status=PendingDocument.Status.FAILED).values("process_id")
    return CaseIndex.objects.filter(scope.case_filter()).filter(process_id__in=failed).count()

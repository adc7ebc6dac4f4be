"""Staff workspace pages: task lists, bulk actions, the case workspace, the county dashboard.

A package of one module per page family; every name is re-exported here, so
``views.X`` (urls.py, bench) works wherever ``X`` lives.
"""

from .case import _task_form, case_workspace
from .county import _county_or_denied, _year, county_csv, county_dashboard, county_index
from .documents import document_failures, document_retry
from .lists import (
    PAGE_SIZE,
    CountlessPage,
    _back,
    _claimed_row,
    _list_spec,
    _offer_claimed,
    _report,
    _to_case,
    _visible_task,
    claim,
    reassign,
    release,
    send_back,
    task_list,
    task_list_context,
    transfer,
    urge,
    withdraw,
)
from .notifications import notification_list, notification_read

__all__ = [
    "PAGE_SIZE",
    "CountlessPage",
    "_back",
    "_claimed_row",
    "_county_or_denied",
    "_list_spec",
    "_offer_claimed",
    "_report",
    "_task_form",
    "_to_case",
    "_visible_task",
    "_year",
    "case_workspace",
    "claim",
    "county_csv",
    "county_dashboard",
    "county_index",
    "document_failures",
    "document_retry",
    "notification_list",
    "notification_read",
    "reassign",
    "release",
    "send_back",
    "task_list",
    "task_list_context",
    "transfer",
    "urge",
    "withdraw",
]

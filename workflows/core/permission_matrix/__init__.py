"""The permission matrix: every URL the project serves x every role -> expected status.

Used by ``tests/test_permission_matrix.py`` (which makes the requests) and by
``manage.py permission_matrix --markdown`` (which writes the table in
docs/permissions.md). Expectations are *generated from rules* (the URL's
kind, the role table in ``workflows.core.permissions.ROLE_PERMISSIONS`` and
the node's declared permission), never hand-written per cell.

Adding a URL
------------
Every URL pattern must match an entry, or the matrix test fails and prints
its route. Either

- declare it next to the URL, in the app's ``urls.py``::

      from workflows.core.permission_matrix import CasePage, StaffPage
      url_permissions = {
          "case": CasePage(),                                  # /history/case/<process_pk>/
          "overdue": StaffPage(codenames={"act_case_worker", "act_approver"}),
      }

  (keys are the URL names inside the app's namespace), or
- add a ``(pattern, kind)`` line to ``ENTRIES`` (``registry.py``) (patterns are shell
  globs over ``namespace:name``, or over the route when the URL has no name).

viewflow URLs of every ``CaseFlowAppViewset`` are covered generically (flow
lists, start, process pages, each node's task pages); a new flow only needs a
case factory in the test if its process model cannot be created from its
regions alone (see ``CASE_FACTORIES`` in the test).

A package: ``roles``, ``kinds`` (URL kinds), ``registry`` (the URL entries, expectations,
cells), ``markdown``; every name is re-exported here (``permission_matrix.X``).
"""

from .kinds import (
    FLOW_PAGES,
    PROCESS_ACTIONS,
    AdminLogin,
    AdminLogout,
    AdminPage,
    CasePage,
    Ctx,
    FlowPage,
    FlowStart,
    Kind,
    ObjectPage,
    PublicPage,
    StaffPage,
    TaskPage,
    _node_permission,
    sees_object,
    start_codenames,
)
from .markdown import _fmt, markdown
from .registry import (
    BOUNDARY_CELLS,
    ENTRIES,
    UrlEntry,
    _app_declarations,
    _flows_by_label,
    _view_identity,
    _viewflow_kind,
    _walk,
    cells,
    equivalence_key,
    expected,
    url_entries,
)
from .roles import _A, _B, _COUNTY, ADMIN_LOGIN, ANY_LOGIN, LOGIN, ROLES, SLOT_REGIONS, MatrixRole, holds_on_slot

__all__ = [
    "ADMIN_LOGIN",
    "ANY_LOGIN",
    "BOUNDARY_CELLS",
    "ENTRIES",
    "FLOW_PAGES",
    "LOGIN",
    "PROCESS_ACTIONS",
    "ROLES",
    "SLOT_REGIONS",
    "_A",
    "_B",
    "_COUNTY",
    "AdminLogin",
    "AdminLogout",
    "AdminPage",
    "CasePage",
    "Ctx",
    "FlowPage",
    "FlowStart",
    "Kind",
    "MatrixRole",
    "ObjectPage",
    "PublicPage",
    "StaffPage",
    "TaskPage",
    "UrlEntry",
    "_app_declarations",
    "_flows_by_label",
    "_fmt",
    "_node_permission",
    "_view_identity",
    "_viewflow_kind",
    "_walk",
    "cells",
    "equivalence_key",
    "expected",
    "holds_on_slot",
    "markdown",
    "sees_object",
    "start_codenames",
    "url_entries",
]

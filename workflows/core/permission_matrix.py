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
- add a ``(pattern, kind)`` line to ``ENTRIES`` below (patterns are shell
  globs over ``namespace:name``, or over the route when the URL has no name).

viewflow URLs of every ``CaseFlowAppViewset`` are covered generically (flow
lists, start, process pages, each node's task pages); a new flow only needs a
case factory in the test if its process model cannot be created from its
regions alone (see ``CASE_FACTORIES`` in the test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from importlib import import_module

from django.urls import URLPattern, URLResolver, get_resolver

from .models.staff import Role
from .permissions import ROLE_PERMISSIONS

LOGIN = "login"  # 302 to the staff login page
ADMIN_LOGIN = "admin_login"  # 302 to the admin login page
ANY_LOGIN = "any_login"  # 302 to either login page


# --- roles -------------------------------------------------------------------
# Case slots the test builds: "a" (village A1 of township A), "a2" (village A2
# of township A), "b" (township B), "c" (township C of another county).


@dataclass(frozen=True)
class MatrixRole:
    name: str
    role: str | None = None
    region: str | None = None  # "township_a" | "township_b" | "village_a" | "county"
    sees: frozenset[str] = frozenset()  # case slots in scope

    @property
    def is_anonymous(self) -> bool:
        return self.name == "anonymous"

    @property
    def codenames(self) -> frozenset[str]:
        return frozenset(ROLE_PERMISSIONS.get(self.role, ())) if self.role else frozenset()

    @property
    def in_scope_slot(self) -> str | None:
        for slot in ("a", "b"):
            if slot in self.sees:
                return slot
        return None

    @property
    def out_of_scope_slot(self) -> str:
        for slot in ("b", "a2", "a", "c"):
            if slot not in self.sees:
                return slot
        raise AssertionError(self.name)


_A = frozenset({"a", "a2"})
_B = frozenset({"b"})
_COUNTY = frozenset({"a", "a2", "b"})

ROLES: list[MatrixRole] = [
    MatrixRole("anonymous"),
    MatrixRole("case_worker_a", Role.CASE_WORKER, "township_a", _A),
    MatrixRole("approver_a", Role.APPROVER, "township_a", _A),
    MatrixRole("village_assistant_a", Role.VILLAGE_ASSISTANT, "village_a", frozenset({"a"})),
    MatrixRole("case_worker_b", Role.CASE_WORKER, "township_b", _B),
    MatrixRole("approver_b", Role.APPROVER, "township_b", _B),
    MatrixRole("county_officer", Role.COUNTY_OFFICER, "county", _COUNTY),
    MatrixRole("county_reviewer", Role.COUNTY_REVIEWER, "county", _COUNTY),
    MatrixRole("auditor", Role.AUDITOR, "county", _COUNTY),
    MatrixRole("outsider"),
]

SLOT_REGIONS = {"a": ("township_a", "village_a"), "a2": ("township_a", "village_a2"), "b": ("township_b", "village_b")}


def holds_on_slot(role: MatrixRole, codename: str, slot: str, region_kind: str) -> bool:
    """Does ``role`` hold ``core.<codename>`` on the case's ``region_kind`` object (township/county/village)?"""
    if codename not in role.codenames or slot not in role.sees:
        return False
    township, village = SLOT_REGIONS[slot]
    target = {"township": township, "village": village, "county": "county"}[region_kind]
    return role.region == target


# --- URL kinds ---------------------------------------------------------------


@dataclass(frozen=True)
class Ctx:
    """What a kind needs to decide one cell."""

    role: MatrixRole
    in_scope: bool
    slot: str | None
    entry: UrlEntry


class Kind:
    """Base: login required; ``scoped`` kinds are requested with an in-scope and an out-of-scope object."""

    scoped = False
    label = ""

    def anonymous(self, entry) -> int | str:
        return LOGIN

    def expect(self, ctx: Ctx) -> int | str:
        raise NotImplementedError

    def describe(self) -> str:
        return self.label or type(self).__name__


@dataclass(frozen=True)
class PublicPage(Kind):
    """No login (``login_not_required``): the same answer for everybody."""

    status: int = 200
    kwargs: dict = field(default_factory=dict)
    label: str = "public"

    def anonymous(self, entry):
        return self.status

    def expect(self, ctx):
        return self.status


@dataclass(frozen=True)
class AdminPage(Kind):
    """Django admin: only is_staff administrators; none of the matrix roles is one."""

    label: str = "admin"

    def anonymous(self, entry):
        return ANY_LOGIN  # LoginRequiredMiddleware or the admin itself

    def expect(self, ctx):
        return ADMIN_LOGIN


@dataclass(frozen=True)
class AdminLogin(Kind):
    label: str = "admin login"

    def anonymous(self, entry):
        return 200

    def expect(self, ctx):
        return 200


@dataclass(frozen=True)
class AdminLogout(Kind):
    """Logs a user out and redirects; anonymous visitors go to a login page."""

    label: str = "admin logout"

    def anonymous(self, entry):
        return ANY_LOGIN

    def expect(self, ctx):
        return 302


@dataclass(frozen=True)
class StaffPage(Kind):
    """A page behind login, not about one case.

    ``codenames``: region permissions (any of) a role needs, else ``denied``;
    ``None`` means every logged-in user (lists are scoped by their queryset).
    """

    status: int = 200
    codenames: frozenset[str] | None = None
    denied: int = 403
    label: str = "staff page"
    kwargs: dict = field(default_factory=dict)  # fixed URL arguments, e.g. {"county_pk": ...}

    def expect(self, ctx):
        if self.codenames is None:
            return self.status
        return self.status if ctx.role.codenames & set(self.codenames) else self.denied


@dataclass(frozen=True)
class FlowPage(Kind):
    """A viewflow list/dashboard page of one flow: any user with a region; others 403."""

    status: int = 200
    label: str = "flow page"

    def expect(self, ctx):
        return self.status if ctx.role.sees else 403


@dataclass(frozen=True)
class FlowStart(Kind):
    """The start form of a flow: 200 for roles that may start it, else 403."""

    label: str = "flow start"

    def expect(self, ctx):
        return 200 if ctx.role.codenames & start_codenames(ctx.entry.flow_class) else 403


@dataclass(frozen=True)
class CasePage(Kind):
    """Any page about one case (``process_pk`` in the URL): ``status`` in scope, 404 outside.

    ``codenames``: for an action on the case, the region permissions (any of) a role needs
    on the case's township or county; in scope without them: ``denied``.
    """

    status: int = 200
    label: str = "case page"
    scoped = True
    process_model: str | None = None  # "app_label.model" of the case, if not any
    codenames: frozenset[str] | None = None
    denied: int = 403

    def expect(self, ctx):
        if not ctx.in_scope:
            return 404
        if self.codenames is not None and not any(
            holds_on_slot(ctx.role, codename, ctx.slot, kind)
            for codename in self.codenames
            for kind in ("township", "county")
        ):
            return self.denied
        return self.status


def sees_object(role: MatrixRole, slot: str | None, level: str) -> bool:
    """Does ``role`` see an object of ``level`` that belongs to case slot ``slot``?

    ``case``: the object belongs to a case (a document): the case's scope.
    ``township``: a township's object (its reserve fund): staff of that township and of its county;
    village assistants do not see township books.
    ``county``: a county's object (a sampling draw, the period report): county staff only.
    """
    if slot is None or slot not in role.sees:
        return False
    if level == "case":
        return True
    if level == "township":
        return role.region in ("county", SLOT_REGIONS[slot][0])
    if level == "county":
        return role.region == "county"
    raise ValueError(level)


@dataclass(frozen=True)
class ObjectPage(Kind):
    """A page about one object that is not a case (a fund, a ledger entry, a draw, a county's report, a
    stored document), named by ``param`` in the URL and built by the test as ``obj`` (see
    ``OBJECT_FACTORIES`` in tests/test_permission_matrix.py) for every case slot.

    Visible to the role (``sees_object``): ``status``, or ``denied`` when the role holds none of
    ``codenames``; not visible: 404, like an object that does not exist. With ``role_first`` a
    role holding none of ``codenames`` is ``denied`` before scope is looked at (a page only one
    kind of staff has at all, e.g. the county dashboard: 403 for township staff, 404 for the
    staff of another county).
    """

    obj: str = ""
    level: str = "township"
    param: str = "pk"
    status: int = 200
    codenames: frozenset[str] | None = None
    denied: int = 403
    label: str = "object page"
    role_first: bool = False
    scoped = True

    def expect(self, ctx):
        lacks_role = self.codenames is not None and not ctx.role.codenames & set(self.codenames)
        if self.role_first and lacks_role:
            return self.denied
        if not sees_object(ctx.role, ctx.slot, self.level):
            return 404
        return self.denied if lacks_role else self.status

    def describe(self):
        return f"{self.obj} page ({self.level})"


@dataclass(frozen=True)
class TaskPage(Kind):
    """A viewflow task URL of a case: 404 outside scope; inside, by action.

    In scope the task is NEW (human nodes) or DONE (others): ``detail`` 200,
    ``index`` 302 (to assign/detail), ``assign`` 200 iff the role holds the
    node's permission on the case's region, everything else 403 (nobody
    owns the task; manual cancel/undo/revive is disabled).
    """

    action: str = "detail"
    label: str = "task page"
    scoped = True

    def expect(self, ctx):
        if not ctx.in_scope:
            return 404
        if self.action == "detail":
            return 200
        if self.action == "index":
            return 302
        if self.action == "assign":
            perm = _node_permission(ctx.entry.node)
            if perm is None:
                return 200
            codename, region_kind = perm
            return 200 if holds_on_slot(ctx.role, codename, ctx.slot, region_kind) else 403
        return 403

    def describe(self):
        return f"task {self.action}"


PROCESS_ACTIONS = {"process_detail": 200, "process_chart": 200, "process_cancel": 403}
# flow-level pages -> status for a user with a region (bulk actions redirect back on GET)
FLOW_PAGES = {
    **dict.fromkeys(["index", "process_list", "task_list", "inbox", "queue", "archive", "chart"], 200),
    **dict.fromkeys(["tasks_assign", "tasks_unassign"], 302),
}


def _node_permission(node) -> tuple[str, str] | None:
    perm = getattr(node, "_owner_permission", None)
    if not perm:
        return None
    obj = getattr(node, "_owner_permission_obj", None)
    region_kind = {"township_of": "township", "county_of": "county", "village_of": "village"}.get(
        getattr(obj, "__name__", ""), "township"
    )
    return perm.split(".", 1)[1], region_kind


def start_codenames(flow_class) -> frozenset[str]:
    """Region permissions (any of) that let a role start ``flow_class``.

    Declared on the flow as ``start_codenames``; default: township case workers.
    """
    return frozenset(getattr(flow_class, "start_codenames", None) or {"act_case_worker"})


# --- registry -----------------------------------------------------------------

ENTRIES: list[tuple[str, Kind]] = [
    ("login", PublicPage(status=200)),
    ("logout", StaffPage(status=405)),  # POST only
    ("set_language", PublicPage(status=302)),  # the language switch, applicants included
    ("home", StaffPage(status=302)),
    ("index", StaffPage(status=302)),
    ("cases:index", StaffPage(status=302)),
    # The staff second factor (workflows/core/otp.py): with the setting off (tests) a user
    # without a device has no code to give (302 on) and may enrol voluntarily (200).
    ("second_factor:verify", StaffPage(status=302)),
    ("second_factor:enrol", StaffPage(status=200)),
    ("second_factor:recovery_codes", StaffPage(status=302)),
    # "Show full number" of a case (workflows/core/pii.py): whoever sees the case.
    ("personal_data:case", CasePage(process_model="dibao.dibaoprocess")),
    ("admin:login", AdminLogin()),
    ("admin:logout", AdminLogout()),
    ("admin:*", AdminPage()),
    ("admin/*", AdminPage()),
    ("^media/*", StaffPage(status=404, kwargs={"path": "none.txt"})),  # DEBUG only
]


@dataclass
class UrlEntry:
    route: str
    name: str | None  # "namespace:name"
    callback: Callable
    kind: Kind | None = None
    flow_class: type | None = None
    node: object | None = None

    @property
    def key(self) -> str:
        return self.name or self.route

    @property
    def login_not_required(self) -> bool:
        return getattr(self.callback, "login_required", True) is False


def _walk(patterns, prefix="", ns="") -> Iterator[tuple[str, str | None, Callable]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            sub_ns = ns + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), sub_ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (ns + p.name) if p.name else None, p.callback


def _flows_by_label() -> dict[str, type]:
    from project.urls import flow_viewsets

    return {v._flow_class.instance.flow_label: v._flow_class for v in flow_viewsets}


def _app_declarations() -> dict[str, Kind]:
    from project.urls import APPS

    out = {}
    for label in APPS:
        try:
            module = import_module(f"workflows.{label}.urls")
        except ModuleNotFoundError:
            continue
        for name, kind in (getattr(module, "url_permissions", None) or {}).items():
            out[f"{label}:{name}"] = kind
    return out


def _viewflow_kind(entry: UrlEntry, flows: dict[str, type]) -> Kind | None:
    parts = (entry.name or "").split(":")
    if len(parts) < 3 or parts[0] != "cases" or parts[1] not in flows:
        return None
    flow_class = flows[parts[1]]
    entry.flow_class = flow_class
    if len(parts) == 3:
        if parts[2] in PROCESS_ACTIONS:
            return CasePage(status=PROCESS_ACTIONS[parts[2]], label=parts[2].replace("_", " "))
        if parts[2] in FLOW_PAGES:
            return FlowPage(status=FLOW_PAGES[parts[2]])
        return None
    if len(parts) == 4:
        node = getattr(flow_class, parts[2], None)
        if node is None:
            return None
        entry.node = node
        if parts[3] == "execute" and "<int:process_pk>" not in entry.route:
            return FlowStart()
        return TaskPage(action=parts[3])
    return None


def url_entries() -> list[UrlEntry]:
    """Every URL pattern of the project with its kind (``kind`` is None when unmapped)."""
    flows = _flows_by_label()
    declared = _app_declarations()
    entries = []
    for route, name, callback in _walk(get_resolver().url_patterns):
        entry = UrlEntry(route=route, name=name, callback=callback)
        entry.kind = declared.get(name or "") or _viewflow_kind(entry, flows)
        if entry.kind is None:
            for pattern, kind in ENTRIES:
                if fnmatchcase(entry.key, pattern) or (name and fnmatchcase(route, pattern)):
                    entry.kind = kind
                    break
        entries.append(entry)
    return entries


def expected(entry: UrlEntry, role: MatrixRole, *, in_scope: bool) -> int | str:
    kind = entry.kind
    if role.is_anonymous:
        return kind.anonymous(entry)
    slot = role.in_scope_slot if in_scope else role.out_of_scope_slot
    return kind.expect(Ctx(role=role, in_scope=in_scope, slot=slot, entry=entry))


def _view_identity(callback):
    while hasattr(callback, "__wrapped__"):
        callback = callback.__wrapped__
    return getattr(callback, "view_class", callback)


def equivalence_key(entry: UrlEntry) -> tuple:
    """URLs with the same key run the same view code with the same permission inputs.

    The kind and its parameters, the view class behind the URL, and for task
    URLs the node's type (its activation) and, where the answer depends on
    it (assign, execute), the node's declared permission. Admin pages answer
    every matrix role alike (none is an administrator).
    """
    if isinstance(entry.kind, AdminPage):
        return ("admin",)
    node = entry.node
    node_part = None
    if node is not None:
        action = getattr(entry.kind, "action", None)
        node_part = (type(node).__name__, _node_permission(node) if action in ("assign", "execute") else None)
    return (repr(entry.kind), _view_identity(entry.callback), node_part)


# Cells requested for a URL whose equivalence class another URL already
# covered with every role: anonymous, and the scope boundary from both sides.
BOUNDARY_CELLS = (("anonymous", True), ("county_officer", True), ("county_officer", False), ("case_worker_b", False))


def cells(entry: UrlEntry, *, full: bool = True) -> list[tuple[MatrixRole, bool]]:
    """(role, in_scope) pairs to request for ``entry`` (``full=False``: boundary roles only)."""
    if not full:
        by_name = {r.name: r for r in ROLES}
        if entry.kind.scoped:
            return [(by_name[name], in_scope) for name, in_scope in BOUNDARY_CELLS]
        return [(by_name[name], True) for name in ("anonymous", "county_officer")]
    out = []
    for role in ROLES:
        if entry.kind.scoped and not role.is_anonymous:
            if role.in_scope_slot is not None:
                out.append((role, True))
            out.append((role, False))
        else:
            out.append((role, True))
    return out


# --- markdown -------------------------------------------------------------------


def _fmt(value) -> str:
    return {LOGIN: "→login", ADMIN_LOGIN: "→admin login", ANY_LOGIN: "→login"}.get(value, str(value))


def markdown() -> str:
    """The matrix as a Markdown table; viewflow URLs collapsed per flow and action."""
    rows: dict[str, tuple[str, list[str]]] = {}
    for entry in url_entries():
        if entry.kind is None:
            rows[entry.key] = ("**unmapped**", [""] * len(ROLES))
            continue
        key = entry.route
        if entry.flow_class is not None and entry.node is not None and isinstance(entry.kind, TaskPage):
            key = entry.route.replace(f"/{entry.node.name}/", "/<node>/")
            if entry.kind.action == "assign":
                perm = _node_permission(entry.node)
                key += f" ({entry.node.name}: {perm[0] if perm else '-'})"
        if isinstance(entry.kind, AdminPage):
            key = "admin/… (every admin page)"
        values = []
        for role in ROLES:
            cells_ = [c for c in cells(entry) if c[0] is role]
            values.append(" / ".join(_fmt(expected(entry, role, in_scope=s)) for _, s in cells_))
        rows.setdefault(key, (entry.kind.describe(), values))
    header = "| URL | kind | " + " | ".join(r.name for r in ROLES) + " |"
    sep = "|" + "---|" * (len(ROLES) + 2)
    lines = [header, sep]
    for key in sorted(rows):
        kind, values = rows[key]
        lines.append(f"| `{key}` | {kind} | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"

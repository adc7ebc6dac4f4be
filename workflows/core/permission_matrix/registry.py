"""The registry: every URL pattern of the project with its kind, the expectation per cell, the cells to request."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib import import_module

from django.urls import URLPattern, URLResolver, get_resolver
from viewflow.workflow.base import Flow, Node

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
    PublicPage,
    StaffPage,
    TaskPage,
    _node_permission,
)
from .roles import ROLES, MatrixRole

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
    flow_class: type[Flow] | None = None
    node: Node | None = None

    @property
    def key(self) -> str:
        return self.name or self.route

    @property
    def login_not_required(self) -> bool:
        return getattr(self.callback, "login_required", True) is False


def _walk(
    patterns: Iterable[URLPattern | URLResolver], prefix: str = "", ns: str = ""
) -> Iterator[tuple[str, str | None, Callable]]:
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
    assert kind is not None, f"unmapped URL {entry.key}"  # callers list unmapped URLs apart
    if role.is_anonymous:
        return kind.anonymous(entry)
    slot = role.in_scope_slot if in_scope else role.out_of_scope_slot
    return kind.expect(Ctx(role=role, in_scope=in_scope, slot=slot, entry=entry))


def _view_identity(callback: Callable[..., object]) -> object:
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
    assert entry.kind is not None, f"unmapped URL {entry.key}"  # callers list unmapped URLs apart
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

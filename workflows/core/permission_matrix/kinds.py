"""URL kinds: what a URL is (public, staff, flow, case, task, object page…) and what each role gets there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from viewflow.workflow.base import Flow, Node

if TYPE_CHECKING:
    from .registry import UrlEntry

from .roles import ADMIN_LOGIN, ANY_LOGIN, LOGIN, SLOT_REGIONS, MatrixRole, holds_on_slot

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

    def anonymous(self, entry: UrlEntry) -> int | str:
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

    def anonymous(self, entry: UrlEntry) -> int | str:
        return self.status

    def expect(self, ctx: Ctx) -> int | str:
        return self.status


@dataclass(frozen=True)
class AdminPage(Kind):
    """Django admin: only is_staff administrators; none of the matrix roles is one."""

    label: str = "admin"

    def anonymous(self, entry: UrlEntry) -> int | str:
        return ANY_LOGIN  # LoginRequiredMiddleware or the admin itself

    def expect(self, ctx: Ctx) -> int | str:
        return ADMIN_LOGIN


@dataclass(frozen=True)
class AdminLogin(Kind):
    label: str = "admin login"

    def anonymous(self, entry: UrlEntry) -> int | str:
        return 200

    def expect(self, ctx: Ctx) -> int | str:
        return 200


@dataclass(frozen=True)
class AdminLogout(Kind):
    """Logs a user out and redirects; anonymous visitors go to a login page."""

    label: str = "admin logout"

    def anonymous(self, entry: UrlEntry) -> int | str:
        return ANY_LOGIN

    def expect(self, ctx: Ctx) -> int | str:
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

    def expect(self, ctx: Ctx) -> int | str:
        if self.codenames is None:
            return self.status
        return self.status if ctx.role.codenames & set(self.codenames) else self.denied


@dataclass(frozen=True)
class FlowPage(Kind):
    """A viewflow list/dashboard page of one flow: any user with a region; others 403."""

    status: int = 200
    label: str = "flow page"

    def expect(self, ctx: Ctx) -> int | str:
        return self.status if ctx.role.sees else 403


@dataclass(frozen=True)
class FlowStart(Kind):
    """The start form of a flow: 200 for roles that may start it, else 403."""

    label: str = "flow start"

    def expect(self, ctx: Ctx) -> int | str:
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

    def expect(self, ctx: Ctx) -> int | str:
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

    def expect(self, ctx: Ctx) -> int | str:
        lacks_role = self.codenames is not None and not ctx.role.codenames & set(self.codenames)
        if self.role_first and lacks_role:
            return self.denied
        if not sees_object(ctx.role, ctx.slot, self.level):
            return 404
        return self.denied if lacks_role else self.status

    def describe(self) -> str:
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

    def expect(self, ctx: Ctx) -> int | str:
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

    def describe(self) -> str:
        return f"task {self.action}"


PROCESS_ACTIONS = {"process_detail": 200, "process_chart": 200, "process_cancel": 403}
# flow-level pages -> status for a user with a region (bulk actions redirect back on GET)
FLOW_PAGES = {
    **dict.fromkeys(["index", "process_list", "task_list", "inbox", "queue", "archive", "chart"], 200),
    **dict.fromkeys(["tasks_assign", "tasks_unassign"], 302),
}


def _node_permission(node: Node) -> tuple[str, str] | None:
    perm = getattr(node, "_owner_permission", None)
    if not perm:
        return None
    obj = getattr(node, "_owner_permission_obj", None)
    region_kind = {"township_of": "township", "county_of": "county", "village_of": "village"}.get(
        getattr(obj, "__name__", ""), "township"
    )
    return perm.split(".", 1)[1], region_kind


def start_codenames(flow_class: type[Flow] | None) -> frozenset[str]:
    """Region permissions (any of) that let a role start ``flow_class``.

    Declared on the flow as ``start_codenames``; default: township case workers.
    """
    return frozenset(getattr(flow_class, "start_codenames", None) or {"act_case_worker"})

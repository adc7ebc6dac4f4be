"""The matrix as a markdown table (docs/permissions.md)."""

from __future__ import annotations

from .kinds import (
    AdminPage,
    TaskPage,
    _node_permission,
)
from .registry import (
    cells,
    expected,
    url_entries,
)
from .roles import ADMIN_LOGIN, ANY_LOGIN, LOGIN, ROLES

# --- markdown -------------------------------------------------------------------


def _fmt(value: int | str) -> str:
    redirects: dict[int | str, str] = {LOGIN: "→login", ADMIN_LOGIN: "→admin login", ANY_LOGIN: "→login"}
    return redirects.get(value, str(value))


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

"""Display helpers for audit events (``workflows.history.display``): field labels, values in
words, person names; personal data masked unless the template passes ``full`` (the logged
full case-file export)."""

from __future__ import annotations

from django import template

from .. import display
from ..selectors import action_label, node_title

register = template.Library()


@register.filter
def change_rows(event, full=False) -> list[tuple[str, str, str]]:
    """``[(label, old, new)]`` of an event's changes."""
    return display.change_rows(event, masked=not full)


@register.filter
def data_rows(event, full=False) -> list[tuple[str, str]]:
    """``[(label, value)]`` of an event's data."""
    return display.data_rows(event, masked=not full)


@register.filter
def person(user) -> str:
    """A user's display name ("系统" for none)."""
    return display.person_name(user)


@register.simple_tag
def event_node(process, event) -> str:
    """The title of the flow node a task event is about ("" for other events)."""
    data = event.data if isinstance(event.data, dict) else {}
    return node_title(process, data.get("node")) if event.action.startswith("task.") else ""


@register.filter
def action_name(action: str) -> str:
    """An audit action in words (the registry's label)."""
    return action_label(action)

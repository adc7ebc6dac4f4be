"""Display helpers for audit events; personal data is masked on every history page and export."""

from __future__ import annotations

import json

from django import template

from workflows.households.validators import mask_id_number

register = template.Library()

PERSONAL_MARKERS = ("id_number", "phone", "bank", "address", "illness", "disab", "health", "diagnosis")


def is_personal(name: str) -> bool:
    name = name.lower()
    return any(marker in name for marker in PERSONAL_MARKERS)


def mask(name: str, value):
    if value in (None, "") or not is_personal(name):
        return value
    text = str(value)
    if "id_number" in name.lower() and len(text) >= 15:
        return mask_id_number(text)
    return "***"


def show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@register.filter
def change_rows(changes) -> list[tuple[str, str, str]]:
    """{field: [old, new]} -> [(field, old, new)] with personal values masked."""
    rows = []
    for name, pair in (changes or {}).items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        rows.append((name, show(mask(name, old)), show(mask(name, new))))
    return rows


@register.filter
def data_rows(data) -> list[tuple[str, str]]:
    return [(name, show(mask(name, value))) for name, value in sorted((data or {}).items())]


@register.filter
def masked(value, name: str):
    return show(mask(str(name), value))

"""Helpers every dibao / 特困 form shares: Bootstrap widget classes, staff holding a permission in a region."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model


def bootstrap_widgets(form: forms.BaseForm) -> None:
    """Bootstrap 5 class names on the widgets, so the staff base styles the form."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _users_with(codename: str, region) -> forms.ModelChoiceField:
    from guardian.shortcuts import get_users_with_perms

    users = get_users_with_perms(region, only_with_perms_in=[codename], with_superusers=False)
    return get_user_model().objects.filter(pk__in=[u.pk for u in users]).order_by("username")

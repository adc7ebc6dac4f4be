"""Model-signal receivers that name their senders.

A receiver connected without a sender runs on every save of every model (audit rows,
sessions, notifications…) and has to test the class itself. Connect it instead to each
model class of a kind: Django matches a signal's sender by identity, so a receiver
connected to ``Task`` does not hear a save of a proxy (``CaseTask``) or of a subclass —
viewflow saves the flow's ``task_class`` and ``process_class``, which are proxies or
subclasses of its base models. ``connect_models`` connects to every installed model that
is the base or derives from it (concrete, proxy and subclass alike).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.dispatch import Signal


def models_of_kind(base: type[Model]) -> list[type[Model]]:
    """Every installed model class that is ``base`` or derives from it (proxies included)."""
    return [model for model in apps.get_models() if issubclass(model, base)]


def connect_models(signal: Signal, receiver: Callable[..., Any], base: type[Model], *, dispatch_uid: str) -> None:
    """Connect ``receiver`` to ``signal`` once for each model of ``base``'s kind (one
    dispatch uid per model, so connecting again replaces rather than doubles)."""
    for model in models_of_kind(base):
        signal.connect(receiver, sender=model, dispatch_uid=f"{dispatch_uid}.{model._meta.label}")

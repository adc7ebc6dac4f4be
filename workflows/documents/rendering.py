"""Who renders a requested document: the registry behind ``PendingDocument.renderer``.

The documents app imports no programme, so each programme registers the documents it asks
for when its app is ready::

    register(
        "dibao.decision_letter",
        prepare=lambda params: Prepared(render=..., applicant_name=...),
        verifiable=True,
        on_rendered=None,
    )

``prepare(params)`` reads what the document shows (after the asking transaction
committed) and returns the render callable: ``render(verification_url)`` for a verifiable
document (a QR code), ``render(None)`` otherwise. ``on_rendered(params, document)`` runs in
the job's transaction once the document is stored (e.g. to point a notice round at it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from viewflow.workflow.models import Process


@dataclass(frozen=True)
class Prepared:
    render: Callable[[str | None], bytes]
    applicant_name: str = ""
    # The case instance ``prepare`` read, if it read one: the stored document's snapshot
    # (case number, township) is taken from it instead of reading the case again.
    case: Process | None = None


@dataclass(frozen=True)
class Renderer:
    name: str
    prepare: Callable[[dict], Prepared]
    verifiable: bool
    on_rendered: Callable[[dict, object], None] | None = None


RENDERERS: dict[str, Renderer] = {}


class UnknownRenderer(LookupError):
    """A pending document names a renderer nobody registered (an app not loaded?)."""


def register(name: str, *, prepare, verifiable: bool, on_rendered=None) -> Renderer:
    """Register (or, on a re-import, replace) the renderer called ``name``."""
    RENDERERS[name] = renderer = Renderer(name=name, prepare=prepare, verifiable=verifiable, on_rendered=on_rendered)
    return renderer


def renderer_for(name: str) -> Renderer:
    try:
        return RENDERERS[name]
    except KeyError:
        raise UnknownRenderer(name) from None

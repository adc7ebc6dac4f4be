"""The flow diagrams of docs/flows/*.md, generated from the flow classes (``make docs``).

A document marks where its diagram goes and which flow it shows:

    <!-- flow-diagram: workflows.dibao.flows.DibaoFlow -->
    ```mermaid
    ...
    ```
    <!-- /flow-diagram -->

``render(flow_class)`` draws every node of the flow (its title in Chinese, the source
language, shaped by kind: start/end rounded, decisions as diamonds, system steps as
subroutines, people's steps as boxes), every edge viewflow knows (If: 是/否; Switch
branches unlabelled) and the send-back edges the flow declares (``send_back_targets``: dashed,
退回). ``manage.py flow_docs`` rewrites the blocks; ``--check`` fails when a committed
block differs from what the flow classes give (tests/core/test_flow_docs.py). The flow is
named by its import path in the document, so core imports no programme.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.module_loading import import_string
from viewflow.workflow import flow
from viewflow.workflow.base import Flow, Node

BLOCK = re.compile(
    r"(?P<open><!-- flow-diagram: (?P<path>[\w.]+) -->\n)(?P<body>.*?)(?P<close><!-- /flow-diagram -->)", re.S
)
EDGE_LABELS = {"cond_true": "是", "cond_false": "否"}


def docs_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "flows"


def _shape(node: Node) -> tuple[str, str]:
    if isinstance(node, flow.Start | flow.StartHandle):
        return "([", "])"
    if isinstance(node, flow.End):
        return "((", "))"
    if isinstance(node, flow.If | flow.Switch):
        return "{", "}"
    if isinstance(node, flow.View):
        return "[", "]"
    return "[[", "]]"  # system steps: Function, Handle, Timer, Join, Split, jobs


def _text(value: object) -> str:
    return str(value).replace('"', "'")


def render(flow_class: type[Flow]) -> str:
    """The mermaid diagram of ``flow_class`` (a fenced code block)."""
    instance = flow_class.instance
    nodes = list(instance.nodes())
    lines = ["```mermaid", "flowchart TD"]
    with translation.override(settings.LANGUAGE_CODE):
        for node in nodes:
            left, right = _shape(node)
            lines.append(f'    {node.name}{left}"{_text(node.task_title or node.name)}"{right}')
    for node in nodes:
        for edge in node._outgoing():
            label = EDGE_LABELS.get(edge.edge_class, "") if isinstance(node, flow.If) else ""
            arrow = f"-->|{label}|" if label else "-->"
            lines.append(f"    {edge.src.name} {arrow} {edge.dst.name}")
    targets = getattr(flow_class, "send_back_targets", {}) or {}
    for source, destinations in targets.items():
        for destination in destinations:
            lines.append(f"    {source} -.->|退回| {destination}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def rewrite(text: str) -> str:
    """``text`` with every flow-diagram block regenerated."""

    def block(match: re.Match[str]) -> str:
        return match["open"] + render(import_string(match["path"])) + match["close"]

    return BLOCK.sub(block, text)


def stale_documents(directory: Path | None = None) -> list[Path]:
    """The documents whose diagram blocks differ from what the flow classes give."""
    directory = directory or docs_dir()
    return [p for p in sorted(directory.glob("*.md")) if rewrite(p.read_text()) != p.read_text()]


def write_documents(directory: Path | None = None) -> list[Path]:
    """Regenerate the blocks in place; returns the documents changed."""
    changed = []
    for path in stale_documents(directory):
        path.write_text(rewrite(path.read_text()))
        changed.append(path)
    return changed

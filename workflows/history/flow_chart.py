"""The flow diagram as people read it (issue 14 §5, §7): viewflow's layout, our drawing.

viewflow's own SVG (``viewflow/workflow/graph.svg``) styles its shapes with an inline
``<style>`` block, which the staff pages' Content-Security-Policy blocks, so every task
was drawn as a black box; its gateway edges say "yes"/"no" and nodes without a title show
their English code names. Here the positions and edge routes still come from
``viewflow.workflow.chart.calc_layout_data`` (the flow definition stays the one source),
and the drawing uses presentation attributes only: step titles in the active language,
是/否 on the branches, each step coloured by its state with the state named in a legend
and a tooltip.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import flow

LEGEND_HEIGHT = 34

#: task status -> (fill colour, words); a step the case never reached stays white.
STATUS_STYLE = {
    "DONE": ("#d1e7dd", _("已完成")),
    "NEW": ("#cfe2ff", _("待办理")),
    "ASSIGNED": ("#fff3cd", _("办理中")),
    "STARTED": ("#fff3cd", _("办理中")),
    "SCHEDULED": ("#cff4fc", _("等待中")),
    "ERROR": ("#f8d7da", _("出错")),
    "CANCELED": ("#e2e3e5", _("已取消")),
}
NOT_REACHED = ("#ffffff", _("未到达"))

#: What an untitled node is, by kind (never its code name).
KIND_TITLES = (
    ((flow.Start, flow.StartHandle), _("开始")),
    ((flow.End,), _("结束")),
    ((flow.If,), _("条件判断")),
    ((flow.Switch,), _("分支选择")),
    ((flow.Split,), _("并行开始")),
    ((flow.Join,), _("并行汇合")),
)
EDGE_LABELS = {"yes": _("是"), "no": _("否")}
GATEWAYS = (flow.If, flow.Switch, flow.Split, flow.Join)
EVENTS = (flow.Start, flow.StartHandle, flow.End)


def node_title(node) -> str:
    """The step's title in the active language; an untitled node by its kind."""
    title = force_str(getattr(node, "task_title", "") or "")
    if title:
        return title
    for classes, words in KIND_TITLES:
        if isinstance(node, classes):
            return str(words)
    return str(_("系统处理"))


def edge_label(label) -> str:
    """A branch label in words: 是/否 for an If gate; a label already in words as given;
    any other code name left out."""
    if not label:
        return ""
    text = force_str(label)
    if text in EDGE_LABELS:
        return str(EDGE_LABELS[text])
    return "" if text.isascii() else text


def node_kind(node) -> str:
    if isinstance(node, GATEWAYS):
        return "gateway"
    if isinstance(node, EVENTS):
        return "event"
    return "task"


@dataclass
class _Line:
    text: str
    x: float
    y: float


def _lines(title: str, *, kind: str, width: int, height: int, font_size: int) -> list[_Line]:
    """The title wrapped to the shape: inside a task box, under an event or a gateway."""
    per_line = max(4, (width - 12) // font_size) if kind == "task" else 8
    wrapped = textwrap.wrap(title, per_line) or [title]
    step = font_size * 1.25
    top = height / 2 - step * (len(wrapped) - 1) / 2 if kind == "task" else height + step * 0.8
    return [_Line(text, width / 2, round(top + n * step, 1)) for n, text in enumerate(wrapped)]


def render(grid, *, title: str = "") -> str:
    """The SVG of a laid-out grid (``chart.calc_layout_data``, statuses set on its cells)."""
    nodes = []
    for cell in grid.cells:
        shape, node = cell.shape, cell.node
        kind = node_kind(node)
        fill, status_label = STATUS_STYLE.get(str(cell.status or "").upper(), NOT_REACHED)
        font_size = 13 if kind == "task" else 11
        name = node_title(node)
        nodes.append(
            {
                "x": shape.x, "y": shape.y, "width": shape.width, "height": shape.height, "kind": kind,
                "cx": shape.width / 2, "cy": shape.height / 2, "r": min(shape.width, shape.height) / 2 - 1,
                "stroke_width": 3 if isinstance(node, flow.End) else 1.2, "fill": fill,
                "status_label": str(status_label) if cell.status else "", "title": name, "font_size": font_size,
                "lines": _lines(name, kind=kind, width=shape.width, height=shape.height, font_size=font_size),
                # machine-readable hooks (tests, scripts): the node's code and its state
                "code": node.name, "status": str(cell.status or "").lower(),
            }
        )  # fmt: skip
    edges = []
    for edge in grid.edges:
        if not edge.segments:
            continue
        d = " ".join(f"{'M' if n == 0 else 'L'}{x},{y}" for n, (x, y) in enumerate(edge.segments))
        label = edge_label(edge.label)
        x, y = edge.label_pos or edge.segments[0]
        edges.append({"d": d, "label": label, "x": x, "y": y})
    legend_y = grid.height + 8
    seen, legend = set(), []
    for fill, words in [*STATUS_STYLE.values(), NOT_REACHED]:
        if str(words) not in seen:
            seen.add(str(words))
            legend.append({"fill": fill, "label": str(words), "x": 10 + 90 * len(legend), "y": legend_y})
    return render_to_string(
        "history/flow_chart.svg",
        {"width": max(grid.width, 90 * len(legend) + 20), "height": grid.height + LEGEND_HEIGHT, "nodes": nodes,
         "edges": edges, "legend": legend, "title": title or str(_("流程图")), "legend_title": str(_("图例"))},
    )  # fmt: skip

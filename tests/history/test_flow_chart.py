"""The flow diagram people read (issue 14 §5, §7), drawn on the real dibao flow: no inline
style block for the Content-Security-Policy to strip (the black boxes), step titles in
words, 是/否 on the branches instead of yes/no, and each step's state in a legend."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.dibao.conftest import file_case
from workflows.dibao.flows import DibaoFlow, TekunFlow
from workflows.history import flow_chart, selectors


def test_real_flow_chart_is_drawn_with_words_and_colours(region, case_worker_a):
    """The dibao flow of a filed case: every shape has its own fill, every If branch says
    是 or 否, no English code name or yes/no is shown, the open task is 待办理."""
    process = file_case(case_worker_a, region.village_a)
    svg = selectors.flow_chart_svg(process)
    assert "<style" not in svg and 'class="' not in svg
    assert all('fill="' in shape for shape in re.findall(r"<(?:rect|circle|path d=\"M[\d.]+,0)[^>]*>", svg))
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert "是" in texts and "否" in texts
    assert not [t for t in texts if re.fullmatch(r"[A-Za-z _]+", t.strip())], texts
    assert str(DibaoFlow.accept.task_title) in "".join(texts).replace(" ", "")
    assert "待办理" in svg and flow_chart.STATUS_STYLE["NEW"][0] in svg
    assert "最低生活保障审核确认流程图" in svg


def test_every_node_of_the_real_flows_has_a_title_in_words():
    """No node of the dibao or 特困 flow falls back to its code name."""
    for flow_class in (DibaoFlow, TekunFlow):
        for node in flow_class.instance.nodes():
            title = flow_chart.node_title(node)
            assert title and not title.isascii(), node.name


def test_edge_labels_in_words():
    """If-gate branches are 是/否; another code-like label is left out, words are kept."""
    assert (flow_chart.edge_label("yes"), flow_chart.edge_label("no")) == ("是", "否")
    assert flow_chart.edge_label("cond_x") == "" and flow_chart.edge_label("逾期") == "逾期"
    assert flow_chart.edge_label(None) == ""


def test_case_page_embeds_the_readable_chart(region, case_worker_a, client_for):
    """The workspace case page shows our drawing, not viewflow's."""
    process = file_case(case_worker_a, region.village_a)
    page = client_for(case_worker_a).get(reverse("workspace:case", args=[process.pk])).content.decode()
    chart = page[page.index('<div class="ws-flowchart">') :]
    assert "最低生活保障审核确认流程图" in chart and "end-marker" not in chart

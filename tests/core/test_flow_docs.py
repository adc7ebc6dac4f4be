"""docs/flows/*.md diagrams are generated from the flow classes (issue 20, item 11): the
committed diagrams are what ``make docs`` (``manage.py flow_docs``) writes, so they cannot
go stale; every node and send-back edge of a flow is drawn, titled in Chinese."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from workflows.core import flowdocs
from workflows.dibao.flows import DibaoFlow


def test_the_committed_flow_diagrams_are_current():
    """Every document's diagram blocks equal what the flow classes give now."""
    stale = flowdocs.stale_documents()
    assert not stale, f"stale flow diagrams (run `make docs`): {[p.name for p in stale]}"
    assert len(flowdocs.BLOCK.findall("".join(p.read_text() for p in flowdocs.docs_dir().glob("*.md")))) >= 5


def test_check_fails_on_a_stale_diagram(tmp_path, settings):
    """A diagram edited by hand (a node left out) makes ``flow_docs --check`` fail; running
    ``flow_docs`` rewrites it, after which the check passes."""
    (tmp_path / "docs" / "flows").mkdir(parents=True)
    doc = tmp_path / "docs" / "flows" / "dibao.md"
    current = flowdocs.rewrite("x\n<!-- flow-diagram: workflows.dibao.flows.DibaoFlow -->\n<!-- /flow-diagram -->\n")
    doc.write_text(current.replace('    approve[["发放确认通知"]]\n', ""))
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match=r"dibao\.md"):
        call_command("flow_docs", "--check")
    call_command("flow_docs")
    assert doc.read_text() == current
    call_command("flow_docs", "--check")


def test_the_diagram_draws_every_node_and_the_send_back_edges():
    """Each node of DibaoFlow appears with its Chinese title; If edges say 是/否; each declared
    send-back target is a dashed 退回 edge (the nodes the hand-drawn diagram lacked)."""
    text = flowdocs.render(DibaoFlow)
    for node in DibaoFlow.instance.nodes():
        assert f"    {node.name}" in text
    assert '"受理审查"' in text and '"乡镇负责人审核确认"' in text
    assert "has_missing_materials -->|是| notify_missing" in text
    assert "has_missing_materials -->|否| request_check" in text
    for source, targets in DibaoFlow.send_back_targets.items():
        for target in targets:
            assert f"{source} -.->|退回| {target}" in text
    assert "return_to_sender" in text and "is_direct_return" in text

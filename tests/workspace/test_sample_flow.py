"""Issue 14 item 9: the sample flow (流程样板, workflows/skeleton) is a developers' template,
not a case type: staff see none of it unless a demo enables ``SAMPLE_FLOW_VISIBLE``."""

from __future__ import annotations

from tests.skeleton.test_flow import open_case
from workflows.skeleton.flows import SkeletonFlow
from workflows.workspace import selectors
from workflows.workspace.indexing import case_flows


def test_sample_flow_hidden_by_default(settings, region, case_worker_a, approver_a):
    """With the setting off (the default outside tests), the sample flow is no case flow:
    its task is in no queue and its nodes in no stage filter."""
    settings.SAMPLE_FLOW_VISIBLE = False
    open_case(case_worker_a, region.village_a)
    assert SkeletonFlow not in case_flows() and case_flows()
    assert not selectors.queue_tasks(approver_a).filter(process__flow_class=SkeletonFlow).exists()
    assert not [value for value, _label in selectors.human_nodes() if value.startswith("skeleton/")]


def test_sample_flow_shown_where_a_demo_enables_it(settings, region, case_worker_a, approver_a):
    """With the setting on, its review waits in the approver's queue like any case."""
    settings.SAMPLE_FLOW_VISIBLE = True
    open_case(case_worker_a, region.village_a)
    assert SkeletonFlow in case_flows()
    assert selectors.queue_tasks(approver_a).filter(process__flow_class=SkeletonFlow).exists()


def test_production_and_demo_settings_default_off():
    """Neither the base (production) nor the demo settings turn it on by themselves."""
    from project.settings import base

    assert base.SAMPLE_FLOW_VISIBLE is False
    source = (base.BASE_DIR / "project" / "settings" / "local.py").read_text("utf-8")
    assert 'env.bool("SAMPLE_FLOW_VISIBLE", default=False)' in source

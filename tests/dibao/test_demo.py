"""seed_demo's dibao part drives the flows into every stage, idempotently."""

from __future__ import annotations

import pytest

from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - fixture
from workflows.core import demo as core_demo
from workflows.dibao import demo
from workflows.dibao.models import Decision, DibaoProcess


@pytest.mark.django_db(transaction=True)
def test_seed_creates_cases_in_every_stage(registry_sandbox):  # noqa: F811
    """(Transactional, as in ``manage.py seed_demo``: on-commit jobs run at once.)
    Cases are made by driving the flows: just filed, missing materials, home visit,
    staff relative awaiting the county visit, preliminary opinion, notice running,
    objection, re-investigation, signing, approved, refused, 特困 approved; the other two
    townships have an application, a home visit and a notice running; a second run adds nothing."""
    region = core_demo.seed()
    demo.seed(region)
    cases = DibaoProcess.objects.all()
    stages = {
        p.household.head.name.split("（")[1].rstrip("）"): {t.flow_task.name for t in p.task_set.exclude(status="DONE")}
        for p in cases
    }
    assert stages["刚登记"] == {"accept"}
    assert stages["缺材料"] == {"complete_materials"}
    assert stages["入户调查"] == {"home_visit"}
    assert stages["公示中"] == {"notice_period"}
    assert stages["有异议"] == {"choose_objection_route"}
    assert stages["重新调查"] == {"re_investigate"}
    assert stages["初审"] == {"propose"}
    assert stages["近亲属"] == {"county_home_visit"}
    assert cases.get(household__members__name="陈十（近亲属）").staff_relative
    assert stages["签批中"] == {"sign_section_chief"}
    assert cases.get(household__members__name="郑七（已确认）").decision == Decision.APPROVED
    assert cases.get(household__members__name="王八（不予确认）").decision == Decision.REFUSED
    tekun = cases.get(household__members__name="冯九（特困）")
    assert tekun.decision == Decision.APPROVED and tekun.programme == "tekun"
    # every township's office has work waiting: an application, a home visit, a notice running
    waiting = {}
    for p in cases:
        waiting.setdefault(p.township.name, set()).update(t.flow_task.name for t in p.task_set.exclude(status="DONE"))
    for township in ("青山镇", "河口镇", "城关街道"):
        assert {"accept", "home_visit", "notice_period"} <= waiting[township], township
    count = cases.count()
    demo.seed(region)
    assert DibaoProcess.objects.count() == count

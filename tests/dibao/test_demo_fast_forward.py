"""Demo fast-forward (``manage.py demo_fast_forward``): a newcomer can carry a case
through the 7-day notice in the demo; nothing can cut a notice short elsewhere (MSL 19)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from viewflow.workflow.status import STATUS

from workflows.core.audit import AuditEvent
from workflows.dibao.models import DibaoProcess

from .conftest import accept, file_case, finished_nodes, home_visit, propose, task_of


@pytest.fixture
def noticed(region, case_worker_a, case_worker_a2, fake_finance_check):
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    return propose(process, case_worker_a)


def test_fast_forward_ends_the_notice_and_the_case_moves_on(noticed, settings):
    """In the demo the command fires the notice timer now: the notice is closed (its dates
    moved back by the same amount), the case reaches the signatures, and the history
    records that the clock was moved."""
    settings.DEMO_TOOLS = True
    notice = noticed.current_notice
    assert notice.is_open()
    out = io.StringIO()
    call_command("demo_fast_forward", noticed.case_number.lower(), stdout=out)
    assert noticed.case_number in out.getvalue()
    process = DibaoProcess.objects.get(pk=noticed.pk)
    assert "notice_period" in finished_nodes(process)
    assert task_of(process, "sign_handler")  # the case waits for the first signature
    notice.refresh_from_db()
    assert not notice.is_open()
    assert notice.ends_at <= timezone.now()
    assert (notice.ends_at - notice.posted_at).days == 7  # still a 7-day notice, only earlier
    assert AuditEvent.objects.filter(process_id=noticed.pk, action="demo.fast_forward").count() == 1


def test_fast_forward_refused_outside_the_demo(noticed, settings):
    """With DEMO_TOOLS off (production forces it off) the command changes nothing (MSL 19)."""
    settings.DEMO_TOOLS = False
    with pytest.raises(CommandError, match="演示环境"):
        call_command("demo_fast_forward", noticed.case_number)
    assert task_of(noticed, "notice_period").status == STATUS.SCHEDULED
    assert noticed.current_notice.is_open()
    assert not AuditEvent.objects.filter(action="demo.fast_forward").exists()


def test_fast_forward_explains_unknown_case_and_case_without_timer(region, case_worker_a, settings):
    """An unknown number and a case with no running timer get a clear message, not a traceback."""
    settings.DEMO_TOOLS = True
    with pytest.raises(CommandError, match="没有编号为"):
        call_command("demo_fast_forward", "DB-000-2026-999999")
    process = file_case(case_worker_a, region.village_a)
    with pytest.raises(CommandError, match="没有正在计时"):
        call_command("demo_fast_forward", process.case_number)


def test_production_settings_never_enable_demo_tools():
    """production.py forces DEMO_TOOLS off whatever the environment says."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "project/settings/production.py").read_text()
    assert "\nDEMO_TOOLS = False\n" in text

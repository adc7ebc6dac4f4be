"""Deadline services (domain.md §5, MSL 22): behaviour mutation testing found no test for
(issue 15 item 10)."""

from __future__ import annotations

import datetime

from tests.dibao.conftest import do, file_case
from workflows.core.models import AuditEvent
from workflows.dibao import services
from workflows.dibao.models import DibaoProcess

D = datetime.date


def test_changing_the_extension_reason_audits_only_the_reason(region, case_worker_a, fixed_calendar):
    """MSL 22 (45 working days for an enumerated reason): the first extension records the
    reason and the new due date; changing the reason later leaves the due date as it was,
    so its audit row holds the reason alone (old and new), not a due date "from nothing"."""
    process = file_case(case_worker_a, region.village_a)
    process = do(process, "accept", case_worker_a, services.dibao_accept, missing=[], on=D(2026, 9, 1), delegated=True)
    services.dibao_extend(process=process, reason="household_split", actor=case_worker_a)
    process = DibaoProcess.objects.get(pk=process.pk)
    services.dibao_extend(process=process, reason="cross_area", actor=case_worker_a)
    first, second = AuditEvent.objects.filter(process_id=process.pk, action="dibao.extend").order_by("pk")
    assert set(first.changes) == {"extension_reason", "extended_due_on"}
    assert first.changes["extended_due_on"][0] is None
    assert second.changes == {"extension_reason": ["household_split", "cross_area"]}

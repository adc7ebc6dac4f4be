"""Issue 8 item 5 on a real dibao case: the case-file PDF's evidence summary includes the
registry evidence of the case's household-finance check (which the check records on its
own chain) next to the documents generated on the case."""

from __future__ import annotations

import io

from django.urls import reverse
from pypdf import PdfReader

from tests.dibao.conftest import accept, file_case
from workflows.core.models import AuditEvent
from workflows.dibao.models import DibaoProcess
from workflows.finance_check.models import RegistryEvidence
from workflows.history import selectors


def test_case_file_lists_registry_evidence_of_the_finance_check(
    region, case_worker_a, finance_check, auditor, client_for
):
    """After the real check against the sandbox registries, every evidence row of the
    check is summarised in the case file (source, status, SHA-256 of the raw answer),
    marked with the check's chain; the export is logged on the auditor's chain."""
    process = finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = DibaoProcess.objects.get(pk=process.pk)
    stored = list(RegistryEvidence.objects.filter(check_process_id=process.finance_check_id))
    assert stored, "the check stored no evidence"

    events = list(selectors.case_events(process))
    found = [e for e in selectors.evidence(events) if e.action == "finance_check.evidence"]
    assert {e.data["source"] for e in found} == {ev.source for ev in stored}
    assert {e.chain for e in found} == {f"case:{process.finance_check_id}"}

    response = client_for(auditor).get(reverse("history:export", args=[process.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = "".join(text.split())
    assert compact.count("核对证据入库") == len(stored) and "finance_check.evidence" not in compact
    for ev in stored:
        if ev.raw_sha256:
            assert ev.raw_sha256[:16] in compact
    assert AuditEvent.objects.filter(chain=f"viewer:{auditor.pk}", action="history.exported").count() == 1

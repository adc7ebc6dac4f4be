"""The eager fan-out writes all evidence rows and their audit events in bulk (fewer round trips);
the result must be exactly what the row-by-row path writes."""

from __future__ import annotations

from workflows.core.audit import verify_chain
from workflows.core.models import AuditEvent
from workflows.finance_check import services
from workflows.finance_check.adapters import get_adapter
from workflows.finance_check.adapters.base import sha256_hex
from workflows.finance_check.models import FinanceCheckProcess, RegistryEvidence
from workflows.finance_check.sources import ALL_SOURCES, Source


def request_check(household, actor, capture, case_ref="dibao:5"):
    with capture(execute=True):
        check = services.finance_check_request(household=household, purpose="dibao", case_ref=case_ref, actor=actor)
    return FinanceCheckProcess.objects.get(pk=check.pk)


def test_bulk_evidence_has_one_audit_event_per_row_and_an_intact_chain(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    """Every evidence row gets its own finance_check.evidence event (target = the row, with its
    SHA-256), the events are consecutive in the check's chain, and the chain verifies."""
    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    chain = f"case:{check.pk}"
    assert verify_chain(chain) is None
    evidence = {str(e.pk): e for e in RegistryEvidence.objects.filter(check_process=check)}
    assert len(evidence) == len(ALL_SOURCES)
    events = list(AuditEvent.objects.filter(chain=chain, action="finance_check.evidence").order_by("seq"))
    assert sorted(e.target_id for e in events) == sorted(evidence)
    seqs = [e.seq for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(ALL_SOURCES)))
    for event in events:
        row = evidence[event.target_id]
        assert event.target_type == "finance_check.registryevidence"
        assert event.process_id == check.pk
        assert event.data["source"] == row.source and event.data["raw_sha256"] == row.raw_sha256
        assert row.raw_sha256 == sha256_hex(row.raw_response.encode())


def test_bulk_evidence_falls_back_row_by_row_when_a_source_was_recorded_meanwhile(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    """A racing job recorded one source first: the batch writes the others, never a second row
    for that source, and the chain stays intact."""
    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    ids = services.member_id_numbers(check)
    results = {s: (get_adapter(s).query(ids, request_id=f"race:{s}"), 1) for s in (Source.TAX, Source.VEHICLES)}
    # Every source of this check is recorded already: nothing is written, no error.
    assert services.evidence_record_queries(check=check, results=results) == []
    assert RegistryEvidence.objects.filter(check_process=check).count() == len(ALL_SOURCES)
    # A fresh check where only TAX is recorded: the batch of TAX + VEHICLES writes VEHICLES only.
    with django_capture_on_commit_callbacks(execute=False):
        second = services.finance_check_request(
            household=household_250, purpose="dibao", case_ref="dibao:6", actor=case_worker_a
        )
    second = FinanceCheckProcess.objects.get(pk=second.pk)
    assert services.evidence_record_query(check=second, source=Source.TAX, result=results[Source.TAX][0], attempts=1)
    written = services.evidence_record_queries(check=second, results=results)
    assert [e.source for e in written] == [Source.VEHICLES]
    rows = list(RegistryEvidence.objects.filter(check_process=second).values_list("source", flat=True))
    assert sorted(rows) == sorted([Source.TAX, Source.VEHICLES])
    assert AuditEvent.objects.filter(chain=f"case:{second.pk}", action="finance_check.evidence").count() == 2
    assert verify_chain(f"case:{second.pk}") is None

"""A check request opens its case the way every case is opened (``CaseFields.open_case``): in
the household's regions, numbered HD-<township code>-<year>-<pk>, one ``finance_check.requested``
row on the check's chain, and the same row (same data) on the requesting case's chain."""

from __future__ import annotations

from workflows.core.models import AuditEvent
from workflows.finance_check.sources import ALL_SOURCES

from .test_flow__queries import request_check


def test_request_numbers_the_check_and_audits_it_on_both_chains(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    """Regions, number and the two opening rows, whose data names the number stored on the check."""
    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks, case_ref="dibao:7")
    assert (check.county_id, check.township_id, check.village_id) == (
        household_250.county_id, household_250.township_id, household_250.village_id,
    )  # fmt: skip
    year = check.created.astimezone().year
    assert check.case_number == f"HD-{check.township.code}-{year}-{check.pk:06d}"
    own = AuditEvent.objects.get(chain=f"case:{check.pk}", action="finance_check.requested")
    requester = AuditEvent.objects.get(chain="case:7", action="finance_check.requested")
    assert own.data == requester.data
    assert own.data == {
        "case_number": check.case_number, "case_ref": "dibao:7", "purpose": "dibao", "household": household_250.pk,
        "sources": list(ALL_SOURCES), "standard": check.standard_id, "asset_limit": check.asset_limit_id,
    }  # fmt: skip
    assert own.actor_id == requester.actor_id == case_worker_a.pk


def test_request_from_no_case_is_audited_on_the_check_only(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    """A reference that names no case ("manual") writes the check's own row only."""
    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks, case_ref="manual")
    rows = AuditEvent.objects.filter(action="finance_check.requested")
    assert list(rows.values_list("chain", flat=True)) == [f"case:{check.pk}"]
    assert rows.get().data["case_number"] == check.case_number

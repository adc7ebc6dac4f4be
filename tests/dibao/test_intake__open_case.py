"""Filing opens the case the way every programme opens one (``CaseFields.open_case``): the case
sits in the village's regions, is numbered <prefix>-<township code>-<year>-<pk>, and its chain
starts with one ``dibao.file`` row, by the filer, that names that number."""

from __future__ import annotations

from workflows.core.models import AuditEvent
from workflows.dibao.models import Attachment

from .conftest import file_case


def _opening_row(process) -> AuditEvent:
    return AuditEvent.objects.get(chain=f"case:{process.pk}", action="dibao.file")


def test_filing_places_numbers_and_audits_the_case(region, case_worker_a):
    """A dibao filing: regions of the chosen village, a DB number, the opening row with the
    filing's changes and the number, and the uploaded material kept."""
    process = file_case(case_worker_a, region.village_a)
    process.refresh_from_db()
    assert (process.county_id, process.township_id, process.village_id) == (
        region.county.pk, region.township_a.pk, region.village_a.pk,
    )  # fmt: skip
    year = process.created.astimezone().year
    assert process.case_number == f"DB-{region.township_a.code}-{year}-{process.pk:06d}"
    row = _opening_row(process)
    assert row.actor_id == case_worker_a.pk and row.process_id == process.pk
    assert row.changes == {
        "programme": [None, "dibao"], "channel": [None, "paper_case_worker"], "household": [None, process.household_id],
    }  # fmt: skip
    assert row.data["case_number"] == process.case_number
    assert row.data["members"] == 2 and row.data["attachments"] == 1 and row.data["staff_relative"] is False
    assert Attachment.objects.filter(process=process, kind="application").count() == 1


def test_tekun_filing_takes_the_tekun_prefix(region, case_worker_a):
    """特困 shares the model but not the prefix: the number (and the row naming it) says TK."""
    process = file_case(case_worker_a, region.village_a2, programme="tekun")
    process.refresh_from_db()
    assert process.village_id == region.village_a2.pk
    assert process.case_number.startswith(f"TK-{region.township_a.code}-")
    assert _opening_row(process).data["case_number"] == process.case_number

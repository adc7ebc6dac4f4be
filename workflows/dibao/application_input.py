"""One builder of the dibao/特困 ``ApplicationInput`` for every intake channel (issue 20 item 8):
the staff intake view, the portal wizard and the integration API.

Each channel validates its own form or payload; what it hands over is then assembled here the
same way, and the programme's intake claims (特困: TK 4-8) are read by the names the programme
spec declares, so no channel knows which programme asks for which claim.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from workflows.core import programmes
from workflows.core.models import Village

from .services import ApplicationInput, MemberInput, StaffLinkInput, TekunInput, UploadInput


def application_input(
    *,
    programme: str,
    village: Village,
    household: Mapping,
    members: Sequence[MemberInput],
    claims: Mapping | None = None,
    uploads: Sequence[UploadInput] = (),
    staff_links: Sequence[StaffLinkInput] = (),
    entrustment_note: str = "",
    single_person_name: str = "",
) -> ApplicationInput:
    """The application of ``programme``: ``household`` holds area, address, phone and, optionally,
    bank_account and deposits; ``claims`` maps the spec's claim names to what the applicant claims
    (read only when the programme has claims; default ``household``)."""
    tekun = None
    intake = programmes.spec(programme).intake
    if intake.has_claims:
        claimed = household if claims is None else claims
        tekun = TekunInput(**{name: bool(claimed.get(name)) for name in intake.claims})
    return ApplicationInput(
        village=village,
        area=household.get("area", ""),
        address=household.get("address", ""),
        phone=household.get("phone", ""),
        bank_account=household.get("bank_account") or "",
        members=list(members),
        deposits=household.get("deposits") or Decimal("0"),
        uploads=list(uploads),
        staff_links=list(staff_links),
        entrustment_note=entrustment_note,
        tekun=tekun,
        single_person_name=single_person_name,
    )

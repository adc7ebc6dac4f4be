"""Filing a case: the household (existing or new), the kind, the frequency rules (TA18 2)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.models import Village
from workflows.core.money import exact_positive_amount
from workflows.core.types import Staff
from workflows.households.models import Consent, Household, HouseholdMember, members_missing_consent
from workflows.households.services import household_register
from workflows.households.validators import mask_id_number, normalise_id_number

from ..models import Kind, TemporaryAssistanceProcess
from .common import DEFERRABLE_CONSENT_CODES, _filing_channel, check_frequency, township_limit_on
from .errors import (
    ERR_AMOUNT,
    ERR_ASSIST_FIRST_ABOVE_LIMIT,
    ERR_ASSIST_FIRST_EMERGENCY_ONLY,
    ERR_EMERGENCY_PLACE_EXISTING_ONLY,
    ERR_EMERGENCY_PLACE_KIND,
    ERR_EMERGENCY_PLACE_OUTSIDE,
    ERR_EVENT_IN_FUTURE,
    ERR_HOUSEHOLD_REQUIRED,
    ERR_ID_ALREADY_REGISTERED,
    ERR_NO_CHECK_CONSENT,
)

# --- filing ----------------------------------------------------------------------


def _extension(name: str | None) -> str:
    name = (name or "").lower()
    return name[name.rfind(".") :] if "." in name else ""


@dataclass(frozen=True)
class NewHousehold:
    """A household with no earlier record, registered at temporary-assistance intake."""

    village: Village
    area: str
    address: str
    phone: str
    bank_account: str
    members: list  # of workflows.dibao.services.MemberInput


def validate_new_household(*, members: list, kind: str, on: datetime.date) -> None:
    """The dibao intake's rules for IDs and composition (MSL 7); consents too for spending shock.

    An emergency (急难型) household may sign the check authorisation and commitment afterwards
    with the paperwork (TA18 2(2)); a spending-shock case needs the check, so it needs them now (MSL 9).
    """
    from workflows.dibao.services import validate_household, validate_member

    for member in members:
        validate_member(member, on)
    try:
        validate_household(members, on)
    except ValidationError as exc:
        if kind == Kind.SPENDING_SHOCK or exc.code not in DEFERRABLE_CONSENT_CODES:
            raise
    ids = [normalise_id_number(m.id_number) for m in members]
    known = HouseholdMember.objects.filter(id_number__in=ids).values_list("id_number", flat=True).first()
    if known:  # one person, one household: a second record would also escape the frequency limit
        raise ValidationError(ERR_ID_ALREADY_REGISTERED % {"id": mask_id_number(known)}, code="id_registered")


def _register_household(*, new: NewHousehold, kind: str, entrusted: bool, actor: Staff) -> Household:
    today = timezone.localdate()
    validate_new_household(members=new.members, kind=kind, on=today)
    household, _rows = household_register(
        village=new.village,
        area=new.area,
        address=new.address,
        phone=new.phone,
        bank_account=new.bank_account,
        members=new.members,
        signed_on=today,
        actor=actor,
        entrusted=entrusted,
    )
    return household


@transaction.atomic
def case_open(
    *,
    process: TemporaryAssistanceProcess,
    household: Household | None = None,
    new_household: NewHousehold | None = None,
    kind: str,
    cause: str,
    event_date: datetime.date,
    cause_detail: str,
    requested_amount: Decimal,
    assist_first: bool = False,
    major_hardship: bool = False,
    repeat_reason: str = "",
    entrustment: UploadedFile | None = None,
    channel: str | None = None,
    emergency_village: Village | None = None,
    actor: Staff,
) -> TemporaryAssistanceProcess:
    """File a request (inside the Start activation) for a household of the case worker's township,
    or, with the applicant's signed ``entrustment`` (an uploaded file), of the village assistant's village.

    ``household`` is an existing record; ``new_household`` registers a household with no earlier
    record (and its members) in the same transaction, so a refused filing leaves no household behind.

    ``emergency_village`` is help where the emergency happens (急难发生地, TA18; ZB20; domain.md §8):
    the case worker of the township where an emergency happened files an emergency case for a
    household registered in another township (of this county or another county in the system).
    The case lives in the helping township (its limit, its approver, its reserve fund); the
    registration township sees this one case read-only (``read_only_township_ids``) and the
    frequency limit counts every case of the household wherever it was filed.
    """
    today = timezone.localdate()
    if event_date > today:
        raise ValidationError(ERR_EVENT_IN_FUTURE, code="future")
    amount = exact_positive_amount(requested_amount, error=ERR_AMOUNT)
    if (household is None) == (new_household is None):
        raise ValidationError(ERR_HOUSEHOLD_REQUIRED, code="household")
    from workflows.dibao.models import Channel
    from workflows.dibao.services import ERR_ENTRUSTMENT, validate_upload

    if (
        emergency_village is not None
        and household is not None
        and household.township_id == emergency_village.township_id
    ):
        emergency_village = None  # the household's own township: an ordinary filing
    if emergency_village is not None:
        _check_emergency_place(kind=kind, household=household, village=emergency_village, actor=actor)
        channel = Channel.PAPER_CASE_WORKER
    # ``channel`` is given only by the online channel (portal), whose caller scopes the village
    # exactly one of household / new_household was given (checked above)
    channel = channel or _filing_channel(
        actor, new_household.village if new_household else cast(Household, household).village
    )
    entrusted = channel == Channel.PAPER_VILLAGE_ASSISTANT
    if entrusted:  # a village assistant files only with the applicant's signed entrustment (MSL 6)
        if entrustment is None:
            raise ValidationError(ERR_ENTRUSTMENT, code="entrustment")
        validate_upload(entrustment)
    registered = new_household is not None
    if new_household is not None:
        household = _register_household(new=new_household, kind=kind, entrusted=entrusted, actor=actor)
    else:
        assert household is not None  # exactly one of household / new_household (checked above)
        # one filing per household at a time, so two concurrent filings cannot both pass the frequency check
        Household.objects.select_for_update().filter(pk=household.pk).exists()
    # the helping township decides and pays within its own limit (TA18 2(2))
    place = emergency_village or household.village
    rule, standard, limit = township_limit_on(place.township.county, today)
    if assist_first and kind != Kind.EMERGENCY:
        raise ValidationError(ERR_ASSIST_FIRST_EMERGENCY_ONLY, code="assist_first")
    if assist_first and (amount > limit or major_hardship):
        raise ValidationError(
            ERR_ASSIST_FIRST_ABOVE_LIMIT % {"amount": f"{amount:,.2f}", "limit": f"{limit:,.2f}"}, code="assist_first"
        )
    if kind == Kind.SPENDING_SHOCK:
        missing = members_missing_consent(household, Consent.Kind.CHECK_AUTHORISATION)
        if missing:  # no check may run without authorisation (MSL 9)
            names = "、".join(m.name for m in missing)
            raise ValidationError(ERR_NO_CHECK_CONSENT % {"members": names}, code="no_consent")
    check_frequency(household=household, cause=cause, event_date=event_date, repeat_reason=repeat_reason)
    process.household = household
    process.registration_township_id = household.township_id if emergency_village is not None else None
    process.kind, process.cause, process.event_date = kind, cause, event_date
    process.cause_detail, process.repeat_reason = cause_detail, repeat_reason
    process.major_hardship, process.assist_first = major_hardship, assist_first
    process.requested_amount = amount
    process.rule, process.standard, process.township_limit = rule, standard, limit
    process.tier = process.compute_tier()
    process.opened_by = actor
    process.open_case(
        county_id=place.township.county_id,
        township_id=place.township_id,
        village_id=place.pk,
        action="case.open",
        actor=actor,
        changes={
            "kind": [None, kind],
            "cause": [None, cause],
            "event_date": [None, event_date],
            "requested_amount": [None, amount],
            "assist_first": [None, assist_first],
            "tier": [None, process.tier],
            "registration_township": [None, process.registration_township_id],
        },
        data={
            "household": household.pk,
            "household_registered": registered,
            "channel": channel,
            "rule": rule.pk,
            "standard": standard and standard.pk,
            "limit": limit,
        },
    )
    if entrusted:
        from workflows.documents.services import document_store

        assert entrustment is not None  # an entrusted filing without one was refused above
        entrustment.seek(0)
        document_store(
            process_id=process.pk,
            kind="other",
            filename=f"{process.case_number}-entrustment{_extension(entrustment.name)}",
            content=entrustment.read(),
            actor=actor,
            applicant_name=household.head.name if household.head else "",
        )
    if emergency_village is not None:
        _notify_registration_township(process=process, actor=actor)
    return process


def _check_emergency_place(*, kind: str, household: Household | None, village: Village, actor: Staff) -> None:
    """Help where the emergency happens: emergencies only, an existing household registered
    elsewhere, filed by a case worker of the township where it happened (TA18; ZB20)."""
    if kind != Kind.EMERGENCY:
        raise ValidationError(ERR_EMERGENCY_PLACE_KIND, code="emergency_place_kind")
    if household is None:
        raise ValidationError(ERR_EMERGENCY_PLACE_EXISTING_ONLY, code="emergency_place_household")
    if not holds(actor, "act_case_worker", township=village.township_id):
        raise ValidationError(ERR_EMERGENCY_PLACE_OUTSIDE, code="emergency_place_outside")


def _notify_registration_township(*, process: TemporaryAssistanceProcess, actor: Staff) -> None:
    """Tell the household's registration township (and its county) of the case (TA18; domain.md §8):
    an audit row on the case, and the ``emergency_place_case_opened`` signal after the commit
    (the workspace turns it into messages for that township's staff)."""
    from ..signals import emergency_place_case_opened

    audit_record(
        action="case.emergency_place",
        target=process,
        actor=actor,
        process_id=process.pk,
        data={"registration_township": process.registration_township_id, "helping_township": process.township_id},
    )
    pk = process.pk
    transaction.on_commit(
        lambda: emergency_place_case_opened.send(sender=TemporaryAssistanceProcess, process_pk=pk), robust=True
    )

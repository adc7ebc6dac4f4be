"""Requesting a check (the public entry point): the consent gate (MSL 9) and opening the flow."""

from __future__ import annotations

import datetime
import logging
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from workflows.core import programmes
from workflows.core.audit import audit_record, to_jsonable
from workflows.core.models import AssetLimit, DibaoStandard
from workflows.core.models.rules import RuleNotConfigured
from workflows.core.types import Actor
from workflows.households.models import (
    Consent,
    Household,
    HouseholdMember,
    members_missing_consent,
)

from ..models import FinanceCheckProcess
from .config import configured_sources
from .errors import (
    ERR_CASE_REF,
    ERR_NO_CONSENT,
    ERR_NO_MEMBERS,
    ERR_PURPOSE,
    HALTED_ACTION,
    REFUSED_ACTION,
    RESUMED_ACTION,
    ConsentMissing,
)

logger = logging.getLogger(__name__)


# --- requesting a check (the public entry point) ------------------------------


def _requesting_process_id(case_ref: str) -> int | None:
    """ "dibao:42" -> 42: the requesting case's audit chain gets the event too."""
    match = re.fullmatch(r"[a-z_]+:(\d+)", case_ref or "")
    return int(match.group(1)) if match else None


def members_without_check_consent(household: Household) -> list:
    """Adult members with no valid authorisation (MSL 9). Callers may check before requesting."""
    return members_missing_consent(household, Consent.Kind.CHECK_AUTHORISATION)


def check_authorisations(check: FinanceCheckProcess) -> tuple[list[dict], list[HouseholdMember]]:
    """The check authorisations in force for ``check``'s household now, and the adults without one.

    One entry per adult member (their latest signed, not withdrawn authorisation): what a
    query's evidence records as the authorisation it ran under (MSL 9).
    """
    household = Household.objects.get(pk=check.household_id)
    adults = {m.pk: m for m in household.adults()}
    latest: dict[int, Consent] = {}
    consents = Consent.objects.filter(
        member_id__in=list(adults), kind=Consent.Kind.CHECK_AUTHORISATION, withdrawn_at__isnull=True
    ).order_by("member_id", "-signed_on", "-pk")
    for consent in consents:
        latest.setdefault(consent.member_id, consent)
    authorisations = [
        {"consent": c.pk, "member": c.member_id, "signed_on": c.signed_on.isoformat(),
         "recorded_at": to_jsonable(c.recorded_at), "scope": c.kind}
        for _, c in sorted(latest.items())
    ]  # fmt: skip
    return authorisations, [m for pk, m in sorted(adults.items()) if pk not in latest]


def query_authorisations(check: FinanceCheckProcess) -> list[dict] | None:
    """The authorisations a registry query of ``check`` may run under now, or None: then an adult's
    authorisation has been withdrawn (or is missing) and no query may be made (MSL 9).

    The first refusal halts the check (``halted_at``) and is audited on the check and on the
    requesting case, once; when every authorisation is in force again the check resumes
    (audited) and the queries continue.
    """
    authorisations, missing = check_authorisations(check)
    if missing or check.halted_at is not None:
        with transaction.atomic():
            locked = FinanceCheckProcess.objects.select_for_update().get(pk=check.pk)
            member_ids = [m.pk for m in missing]
            if missing and (locked.halted_at is None or locked.halted_members != member_ids):
                locked.halted_at, locked.halted_members = timezone.now(), member_ids
                locked.save(update_fields=["halted_at", "halted_members"])
                _audit_on_check_and_case(locked, HALTED_ACTION, {"reason": "check_authorisation_withdrawn",
                                                                 "members_missing_consent": member_ids})  # fmt: skip
                logger.warning("check %s halted: no check authorisation in force for members %s", check.pk, member_ids)
            elif not missing and locked.halted_at is not None:
                data = {"halted_at": locked.halted_at, "members": locked.halted_members}
                locked.halted_at, locked.halted_members = None, []
                locked.save(update_fields=["halted_at", "halted_members"])
                _audit_on_check_and_case(locked, RESUMED_ACTION, data)
            check.halted_at, check.halted_members = locked.halted_at, locked.halted_members
    return None if missing else authorisations


def _audit_on_check_and_case(check: FinanceCheckProcess, action: str, data: dict) -> None:
    audit_record(action=action, target=check, process_id=check.pk, data={"case_ref": check.case_ref, **data})
    requester = _requesting_process_id(check.case_ref)
    if requester is not None:
        audit_record(action=action, target=check, process_id=requester, data={"case_ref": check.case_ref, **data})


def finance_check_request(
    *,
    household: Household,
    purpose: str,
    case_ref: str,
    actor: Actor,
    spending_shock: bool | None = None,
    single_person_member: HouseholdMember | None = None,
) -> FinanceCheckProcess:
    """Start an economic-status check of ``household`` for the case ``case_ref``.

    Refuses (``ConsentMissing``, a ``ValidationError``) unless every adult member's
    check authorisation is recorded (MSL 9); the refusal is audited
    (``finance_check.refused``) in its own transaction and no registry is
    contacted. Call it outside your own atomic block, or catch the error and
    let your transaction commit, or the refusal's audit row rolls back with it.

    ``spending_shock`` matters only for temporary assistance: education costs
    are deducted for a spending-shock case (TA18); default True for
    ``temporary_assistance``, False otherwise.

    ``single_person_member``: the household member who asked to be enrolled alone
    (单人户, domain.md §8); the means test decides whether the county rule lets them.

    The queries are queued when the surrounding transaction commits.
    """
    if not programmes.is_programme(purpose):
        raise ValidationError(ERR_PURPOSE % {"purpose": purpose}, code="purpose")
    if not case_ref:
        raise ValidationError(ERR_CASE_REF, code="case_ref")
    if not household.members.exists():
        raise ValidationError(ERR_NO_MEMBERS, code="no_members")
    missing = members_without_check_consent(household)
    if missing:
        names = "、".join(m.name for m in missing)
        with transaction.atomic():
            audit_record(
                action=REFUSED_ACTION,
                target=household,
                actor=actor,
                process_id=_requesting_process_id(case_ref),
                data={
                    "case_ref": case_ref,
                    "purpose": purpose,
                    "reason": "no_check_authorisation",
                    "members_missing_consent": [m.pk for m in missing],
                },
            )
        logger.warning(
            "finance check refused for household %s (case %s): no check authorisation from members %s",
            household.pk,
            case_ref,
            [m.pk for m in missing],
        )
        raise ConsentMissing(ERR_NO_CONSENT % {"members": names}, code="no_consent")

    check_date = timezone.localdate()
    try:
        standard = DibaoStandard.objects.in_force(county=household.county, on=check_date, area=household.area)
        asset_limit = AssetLimit.objects.in_force(county=household.county, on=check_date)
    except RuleNotConfigured as exc:
        raise ValidationError(str(exc), code="rule_not_configured") from None
    if spending_shock is None:
        spending_shock = programmes.spec(purpose).intake.spending_shock

    from ..flows import FinanceCheckFlow

    with transaction.atomic():
        return FinanceCheckFlow.start.run(
            household=household,
            purpose=purpose,
            spending_shock=bool(spending_shock) and programmes.spec(purpose).intake.spending_shock,
            case_ref=case_ref,
            actor=actor,
            standard=standard,
            asset_limit=asset_limit,
            check_date=check_date,
            single_person_member=single_person_member,
        )


@transaction.atomic(savepoint=False)
def check_open(*, process: FinanceCheckProcess, household: Household, purpose: str, spending_shock: bool,
               case_ref: str, actor: Actor, standard: DibaoStandard, asset_limit: AssetLimit, check_date: datetime.date,
               single_person_member: HouseholdMember | None = None) -> FinanceCheckProcess:  # fmt: skip
    """Fill the new process inside the StartHandle activation (called by the flow).

    ``open_case`` inserts the row here (the case number and the audit rows need its pk),
    numbers it and audits the request on the check's chain; the requesting case's chain
    gets the same row. The StartHandle saves the process again right after this returns.
    """
    process.household = household
    process.area = household.area
    process.purpose = purpose
    process.spending_shock = spending_shock
    process.single_person_member = single_person_member
    process.case_ref = case_ref
    process.requested_by = actor if getattr(actor, "is_authenticated", False) else None
    process.standard = standard
    process.asset_limit = asset_limit
    process.check_date = check_date
    process.sources = configured_sources()
    data = {
        "case_ref": case_ref,
        "purpose": purpose,
        "household": household.pk,
        "sources": process.sources,
        "standard": standard.pk,
        "asset_limit": asset_limit.pk,
    }
    if single_person_member is not None:
        data["single_person_member"] = single_person_member.pk
    process.open_case(
        county_id=household.county_id,
        township_id=household.township_id,
        village_id=household.village_id,
        action="finance_check.requested",
        actor=actor,
        data=data,
    )
    requester = _requesting_process_id(case_ref)
    if requester is not None:
        data = {"case_number": process.case_number, **data}
        audit_record(action="finance_check.requested", target=process, actor=actor, process_id=requester, data=data)
    return process

"""Registering a household and its members, shared by every programme's intake (MSL 7, 9).

Callers validate first (``workflows.dibao.services.validate_member`` /
``validate_household``: ID numbers, composition, consents) and run this inside
their own atomic filing, so nothing is half-written when a later rule fails.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from workflows.core.models import Village
from workflows.core.money import round_to_fen
from workflows.core.types import Staff

from .models import Consent, DeclaredIncome, Household, HouseholdMember, RigidExpense
from .validators import normalise_id_number


def household_register(
    *,
    village: Village,
    area: str,
    address: str,
    phone: str,
    bank_account: str,
    members: Iterable,
    signed_on: datetime.date,
    actor: Staff,
    entrusted: bool = False,
) -> tuple[Household, list[HouseholdMember]]:
    """Create the household, its members, their declared incomes, essential spending and signed consents.

    ``members`` are ``MemberInput``-like objects (workflows/dibao/services.py). ``entrusted``:
    a village assistant files on the applicant's behalf, so the applicant's entrustment is recorded.
    """
    household = Household.objects.create(
        county=village.township.county,
        township=village.township,
        village=village,
        area=area,
        address=address,
        phone=phone,
        bank_account=bank_account,
        created_by=actor if actor.is_authenticated else None,
    )
    rows = []
    for m in members:
        member = HouseholdMember.objects.create(
            household=household,
            name=m.name,
            id_number=normalise_id_number(m.id_number),
            relation=m.relation,
            is_student=m.is_student,
            is_disabled=m.is_disabled,
            has_serious_illness=m.has_serious_illness,
            can_work=m.can_work,
        )
        rows.append(member)
        if m.monthly_income:
            DeclaredIncome.objects.create(
                member=member, kind=m.income_kind, monthly_amount=round_to_fen(m.monthly_income)
            )
        for i in getattr(m, "other_incomes", ()):
            DeclaredIncome.objects.create(member=member, kind=i.kind, monthly_amount=round_to_fen(i.monthly_amount))
        for e in getattr(m, "rigid_expenses", ()):  # essential spending (MSL 13)
            RigidExpense.objects.create(
                household=household, member=member, kind=e.kind, monthly_amount=round_to_fen(e.monthly_amount),
                proof=e.proof or "",
            )  # fmt: skip
        for kind, signed in (
            (Consent.Kind.CHECK_AUTHORISATION, m.signed_check_authorisation),
            (Consent.Kind.TRUTHFULNESS, m.signed_truthfulness),
        ):
            if signed:
                Consent.objects.create(member=member, kind=kind, signed_on=signed_on, recorded_by=actor)
        if entrusted and m.relation == HouseholdMember.Relation.APPLICANT:
            Consent.objects.create(member=member, kind=Consent.Kind.ENTRUSTMENT, signed_on=signed_on, recorded_by=actor)
    return household, rows

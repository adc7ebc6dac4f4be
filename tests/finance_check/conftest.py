"""Fixtures of the economic-status check: the sandbox registries over real HTTP, households."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests import factories
from workflows.finance_check.sandbox.server import SandboxServer
from workflows.households.models import Consent, DeclaredIncome, HouseholdMember


@pytest.fixture
def registry_sandbox(settings, monkeypatch):
    """The sandbox registry service on a free port, with settings (and the environment, for
    worker processes) pointing at it. Retries are fast: 2 retries, 10 ms backoff, 0.5 s timeout."""
    server = SandboxServer("127.0.0.1", 0, hang_seconds=5).start()
    settings.FINANCE_CHECK_SANDBOX_URL = server.url
    settings.FINANCE_CHECK_REGISTRIES = {}
    settings.FINANCE_CHECK_MAX_RETRIES = 2
    settings.FINANCE_CHECK_RETRY_BACKOFF = 0.01
    settings.FINANCE_CHECK_TIMEOUT = 0.5
    monkeypatch.setenv("REGISTRY_SANDBOX_URL", server.url)
    try:
        yield server
    finally:
        server.stop()


def make_household(region, *, village=None, sizes=(40, 38, 10), incomes=(), consent=True, area=None, seq0=500):
    """A household with members of the given ages; ``incomes``: [(member index, kind, amount)]."""
    village = village or region.village_a
    household = factories.HouseholdFactory(village=village, **({"area": area} if area else {}))
    today = datetime.date.today()
    relations = [HouseholdMember.Relation.APPLICANT, HouseholdMember.Relation.SPOUSE]
    members = []
    for i, age in enumerate(sizes):
        birth = datetime.date(today.year - age, 3, 1)
        relation = (
            relations[i]
            if i < 2
            else HouseholdMember.Relation.MINOR_CHILD
            if age < 18
            else HouseholdMember.Relation.ADULT_DEPENDENT_CHILD
        )
        member = factories.MemberFactory(
            household=household,
            name=f"成员{i + 1}",
            id_number=factories.make_id_number(birth, seq=seq0 + i),
            relation=relation,
        )
        members.append(member)
        if consent and member.is_adult():
            factories.ConsentFactory(member=member, kind=Consent.Kind.CHECK_AUTHORISATION)
    for index, kind, amount in incomes:
        factories.IncomeFactory(member=members[index], kind=kind, monthly_amount=Decimal(amount))
    return household


@pytest.fixture
def household_250(region):
    """3 members (2 adults, 1 child) declaring 250 yuan per person per month in wages (750 in all)."""
    return make_household(
        region, incomes=[(0, DeclaredIncome.Kind.WAGE, "500.00"), (1, DeclaredIncome.Kind.WAGE, "250.00")]
    )

"""Registered households to match signals against: one of township A with a dibao case and a
benefit in force, one of township B, and ID numbers nobody registered."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests import factories
from tests.workspace.conftest import make_case
from workflows.caseload.models import Benefit, BenefitStatus


@pytest.fixture
def case_a(region):
    """A dibao case of township A; its household's applicant is the person signals name."""
    return make_case(region.village_a, name="王秀英")


@pytest.fixture
def person_a(case_a):
    return case_a.household.members.get()


@pytest.fixture
def benefit_a(case_a):
    """The household of ``case_a`` receives dibao (a benefit in force)."""
    return Benefit.objects.create(
        household=case_a.household, programme="dibao", kind="monthly", monthly_amount=Decimal("600.00"),
        starts=datetime.date(2026, 1, 1), status=BenefitStatus.IN_FORCE, county=case_a.county,
        township=case_a.township, source_case=case_a, case_number=case_a.case_number,
    )  # fmt: skip


@pytest.fixture
def person_b(region):
    household = factories.HouseholdFactory(village=region.village_b)
    return factories.MemberFactory(household=household, name="李建国", id_number=factories.make_id_number(seq=777))


@pytest.fixture
def stranger_id():
    """A valid ID number of nobody registered."""
    return factories.make_id_number(datetime.date(1975, 5, 5), seq=555)

"""Fixtures for temporary assistance: a household in township A and its funded reserve."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import HouseholdFactory, MemberFactory
from workflows.funds.services import fund_allocate


@pytest.fixture
def household_a(region):
    household = HouseholdFactory(village=region.village_a)
    MemberFactory(household=household)
    return household


@pytest.fixture
def household_b(region):
    household = HouseholdFactory(village=region.village_b)
    MemberFactory(household=household)
    return household


@pytest.fixture
def fund_a(region, county_officer):
    year = timezone.localdate().year
    entry = fund_allocate(
        township=region.township_a,
        budget_year=year,
        amount=Decimal("10000.00"),
        reason="年度拨付",
        actor=county_officer,
    )
    return entry.fund

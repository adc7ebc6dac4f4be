"""Fixtures for the reserve-fund tests."""

from decimal import Decimal

import pytest
from django.utils import timezone

from workflows.funds.services import fund_allocate


@pytest.fixture
def fund_a(region, county_officer):
    return fund_allocate(
        township=region.township_a,
        budget_year=timezone.localdate().year,
        amount=Decimal("10000.00"),
        reason="年度拨付",
        actor=county_officer,
    ).fund

"""Cases to refer and confer on: a dibao case and temporary-assistance cases of township A."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.temporary_assistance.conftest import household_a, household_b  # noqa: F401 - fixtures
from tests.temporary_assistance.helpers import file_case
from tests.workspace.conftest import make_case


@pytest.fixture
def dibao_case(region):
    return make_case(region.village_a)


@pytest.fixture
def ta_case(case_worker_a, household_a):  # noqa: F811 - fixture
    """An emergency (急难型) request of 2,500 yuan: above township A's limit of 1,800."""
    return file_case(case_worker_a, household_a, requested_amount=Decimal("2500.00"))


@pytest.fixture
def ta_small_case(case_worker_a, household_a):  # noqa: F811 - fixture
    """An emergency request of 800 yuan, within the township limit."""
    return file_case(case_worker_a, household_a, requested_amount=Decimal("800.00"), cause="flood")


@pytest.fixture
def ta_case_b(case_worker_b, household_b):  # noqa: F811 - fixture
    return file_case(case_worker_b, household_b, requested_amount=Decimal("2500.00"))

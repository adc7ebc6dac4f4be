import pytest

from tests.conftest import _staff
from tests.dibao.conftest import approver_a2, fake_finance_check  # noqa: F401 - fixtures (refused dibao cases)
from tests.temporary_assistance.conftest import fund_a, household_a  # noqa: F401 - fixtures (refused TA cases)
from workflows.core.models import Role


@pytest.fixture
def approver_a3(region):
    """A third township-A approver: neither signed nor decided the refusal."""
    return _staff("approver_a3", Role.APPROVER, region.township_a)

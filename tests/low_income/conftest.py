"""Fixtures for 低收入家庭认定 (LB24, LI23): filing a low-income case on the dibao stages, and
the county's low-income rule. The dibao drivers are reused (same stages, same services)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.dibao.conftest import application, approver_a2, finance_check, member  # noqa: F401 - fixtures
from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - fixture
from workflows.core.driving import start_case
from workflows.core.models.rules import LowIncomeRule
from workflows.core.programmes import Programme
from workflows.dibao import services
from workflows.dibao.flows import LowIncomeFlow
from workflows.dibao.models import DibaoProcess

# the rural standard of ``factories.configure_rules``: 4,800 yuan a year = 400 a month
STANDARD = Decimal("400.00")


@pytest.fixture
def low_income_rule(region):
    """The county's rule (LB24): 1.5x the standard (600 a month), 20,000 yuan of financial
    assets per person, a spending-hardship line of 2,500 yuan per person a month."""
    return LowIncomeRule.objects.create(
        county=region.county, effective_from=datetime.date(2025, 1, 1), income_multiple=Decimal("1.50"),
        financial_assets_per_capita=Decimal("20000.00"), spending_hardship_income_line=Decimal("2500.00"),
    )  # fmt: skip


def elderly_couple(income: str = "1000.00", *, kind: str = "transfer", **kw):
    """A stable household (MSL 31): two pensioners, no able-bodied member of working age."""
    return [
        member("赵大爷", birth=datetime.date(1950, 3, 1), seq=501, income=income, income_kind=kind, **kw),
        member("钱大娘", relation="spouse", birth=datetime.date(1952, 5, 2), seq=502),
    ]


def file_low_income(user, village, **kw) -> DibaoProcess:
    """File a 低收入家庭认定 case through its own flow's start node, as the staff page does."""
    app = application(village, **kw)
    return start_case(
        LowIncomeFlow.start,
        user=user,
        perform=lambda p: services.dibao_application_file(
            process=p, programme=Programme.LOW_INCOME, application=app, actor=user
        ),
    )

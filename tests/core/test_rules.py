"""Versioned rule configuration (domain.md §3, §6, §7)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from workflows.core.models import DibaoStandard, SamplingRule, TemporaryAssistanceRule
from workflows.core.models.rules import Area, Period, RuleNotConfigured

D = datetime.date


def test_yearly_standard_is_normalised_to_monthly(region):
    """SAI 9 / domain.md §3: rural 4,800 yuan per person per year = 400.00 per month."""
    std = DibaoStandard.objects.in_force(county=region.county, on=D(2026, 6, 1), area=Area.RURAL)
    assert std.monthly_amount == Decimal("400.00")
    urban = DibaoStandard.objects.in_force(county=region.county, on=D(2026, 6, 1), area=Area.URBAN)
    assert urban.monthly_amount == Decimal("600.00")


def test_the_version_in_force_on_the_date_applies(region):
    """A case decided in 2026 uses the 2026 figure; one decided in 2025 keeps the old one."""
    DibaoStandard.objects.create(
        county=region.county, area=Area.URBAN, period=Period.MONTHLY, amount=Decimal("650.00"),
        effective_from=D(2027, 1, 1),
    )  # fmt: skip
    assert DibaoStandard.objects.in_force(county=region.county, on=D(2026, 12, 31), area=Area.URBAN).amount == Decimal(
        "600.00"
    )
    assert DibaoStandard.objects.in_force(county=region.county, on=D(2027, 1, 1), area=Area.URBAN).amount == Decimal(
        "650.00"
    )


def test_missing_rule_gives_a_clear_error(region):
    """Before any version is in force the lookup names the county, date and rule."""
    with pytest.raises(RuleNotConfigured) as exc:
        DibaoStandard.objects.in_force(county=region.county, on=D(2020, 1, 1), area=Area.URBAN)
    assert "2020-01-01" in str(exc.value)
    assert region.county.name in str(exc.value)


def test_a_version_in_force_cannot_be_edited(region):
    """Editing a version cases may already use is refused; nothing changes."""
    std = DibaoStandard.objects.in_force(county=region.county, on=D(2026, 1, 1), area=Area.URBAN)
    std.amount = Decimal("1.00")
    with pytest.raises(ValidationError):
        std.save()
    std.refresh_from_db()
    assert std.amount == Decimal("600.00")


def test_a_future_version_may_still_be_corrected(region):
    """A version not yet in force can be corrected before it applies."""
    future = DibaoStandard.objects.create(
        county=region.county, area=Area.RURAL, period=Period.YEARLY, amount=Decimal("5000.00"),
        effective_from=D(2099, 1, 1),
    )  # fmt: skip
    future.amount = Decimal("5100.00")
    future.save()
    future.refresh_from_db()
    assert future.amount == Decimal("5100.00")


def test_township_limit_defaults_to_three_times_urban_standard(region):
    """TA18 2(2) / domain.md §6: default township limit = 3 x urban monthly standard = 1,800."""
    rule = TemporaryAssistanceRule.objects.in_force(county=region.county, on=D(2026, 3, 1))
    assert rule.township_limit is None
    assert rule.effective_township_limit(on=D(2026, 3, 1)) == Decimal("1800.00")


def test_sampling_ratio_defaults_to_thirty_percent(region):
    """TK 16 / MSL 20: the county reviews at least 30% of township approvals."""
    rule = SamplingRule.objects.in_force(county=region.county)
    assert rule.ratio == Decimal("0.300")
    bad = SamplingRule(county=region.county, effective_from=D(2099, 1, 1), ratio=Decimal("0.1"))
    with pytest.raises(ValidationError):
        bad.full_clean()

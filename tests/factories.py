"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from workflows.core.models import (
    AssetLimit,
    County,
    DibaoAmountRule,
    DibaoStandard,
    SamplingRule,
    TekunSupportRule,
    TemporaryAssistanceRule,
    Township,
    Village,
)
from workflows.core.models.rules import AmountMethod, Area, Period, RigidExpenseRule
from workflows.households.models import Consent, DeclaredIncome, Household, HouseholdMember
from workflows.households.validators import id_check_char

# The order code of the next made-up ID number: counted, not drawn. Drawn at random from
# 100-999, two numbers made in one test were the same once in 900 (three: once in 300), and
# a test looking up "an unknown number" then found a staff member's own (a flake).
_ID_SEQUENCE = itertools.count(random.randrange(900))


def make_id_number(birth: datetime.date | None = None, area: str = "990101", seq: int | None = None) -> str:
    """A valid 18-digit resident ID (GB 11643 check digit) for tests; with the same birth and
    area, the next 900 made in one process are all different."""
    birth = birth or datetime.date(1980, 1, 1)
    seq = seq if seq is not None else 100 + next(_ID_SEQUENCE) % 900
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.LazyFunction(lambda: make_password(settings.DEMO_PASSWORD))


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"99{n + 1:04d}")
    name = factory.Sequence(lambda n: f"测试县{n}")


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township
        django_get_or_create = ("code",)

    county = factory.SubFactory(CountyFactory)
    # three digits after the parent's code (the column's width): the sequence runs across a
    # whole xdist worker and passes 999, so it wraps, staying clear of 001-099 the fixtures use
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.county.code}{100 + n % 900:03d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village
        django_get_or_create = ("code",)

    township = factory.SubFactory(TownshipFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.township.code}{100 + n % 900:03d}")  # see TownshipFactory
    name = factory.Sequence(lambda n: f"测试村{n}")
    is_urban = False


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(VillageFactory)
    township = factory.LazyAttribute(lambda o: o.village.township)
    county = factory.LazyAttribute(lambda o: o.village.township.county)
    area = Area.RURAL
    address = factory.Sequence(lambda n: f"测试路{n}号")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    bank_account = factory.Sequence(lambda n: f"6222{n:015d}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Faker("name", locale="zh_CN")
    id_number = factory.Sequence(lambda n: make_id_number(datetime.date(1980, 1, 1), seq=100 + n % 900))
    relation = HouseholdMember.Relation.APPLICANT


class IncomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeclaredIncome

    member = factory.SubFactory(MemberFactory)
    kind = DeclaredIncome.Kind.WAGE
    monthly_amount = Decimal("0.00")


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    member = factory.SubFactory(MemberFactory)
    kind = Consent.Kind.CHECK_AUTHORISATION
    signed_on = datetime.date(2026, 1, 5)


def configure_rules(county: County, *, rural_yearly="4800.00", urban_monthly="600.00", since=datetime.date(2025, 1, 1)):
    """The demo county's rules (domain.md defaults) for ``county``."""
    DibaoStandard.objects.get_or_create(
        county=county, area=Area.RURAL, effective_from=since,
        defaults={"period": Period.YEARLY, "amount": Decimal(rural_yearly)},
    )  # fmt: skip
    DibaoStandard.objects.get_or_create(
        county=county, area=Area.URBAN, effective_from=since,
        defaults={"period": Period.MONTHLY, "amount": Decimal(urban_monthly)},
    )  # fmt: skip
    AssetLimit.objects.get_or_create(
        county=county, effective_from=since,
        defaults={"financial_assets_per_capita": Decimal("14400.00"), "vehicles_allowed": False},
    )  # fmt: skip
    TemporaryAssistanceRule.objects.get_or_create(county=county, effective_from=since)
    SamplingRule.objects.get_or_create(county=county, effective_from=since)
    for area in (Area.RURAL, Area.URBAN):  # MSL 23: the gap, until a county configures bands
        DibaoAmountRule.objects.get_or_create(
            county=county, area=area, effective_from=since, defaults={"method": AmountMethod.GAP}
        )
    TekunSupportRule.objects.get_or_create(
        county=county, effective_from=since, defaults={"standard_factor": Decimal("1.30")}
    )
    RigidExpenseRule.objects.get_or_create(county=county, effective_from=since)  # MSL 13: illness, disability

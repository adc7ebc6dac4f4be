"""Demo data of the core app: one county, 3 townships x 3 villages, staff, rules.

Called by ``manage.py seed_demo``; every step is idempotent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model

from .models import (
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
from .models.rules import AmountMethod, Area, Period, RigidExpenseRule
from .models.staff import Role
from .permissions import assignment_grant
from .types import Staff

if TYPE_CHECKING:
    from _typeshed import SupportsWrite
from .working_days import load_from_library

COUNTY = ("990101", "示范县")
TOWNSHIPS = [
    ("990101001", "青山镇", "qingshan", False, ["青山村", "石桥村", "柳树湾村"]),
    ("990101002", "河口镇", "hekou", False, ["河口村", "新渡村", "白沙村"]),
    ("990101003", "城关街道", "chengguan", True, ["东门社区", "西门社区", "南街社区"]),
]
TOWNSHIP_ROLES = [
    (Role.CASE_WORKER, "worker", "经办人"),
    (Role.APPROVER, "approver", "审批人"),
    (Role.VILLAGE_ASSISTANT, "assistant", "协理员"),
]
COUNTY_ROLES = [
    (Role.COUNTY_OFFICER, "county_officer", "县民政局经办人"),
    (Role.COUNTY_REVIEWER, "county_reviewer", "县级抽查人员"),
    (Role.AUDITOR, "county_auditor", "审计人员"),
]


@dataclass
class DemoRegion:
    county: County
    townships: dict[str, Township]
    users: dict[str, Staff]


def _user(username: str, full_name: str, *, superuser: bool = False) -> Staff:
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"first_name": full_name})
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.is_superuser = superuser
        user.is_staff = superuser
        user.save()
    return user


def seed(stdout: SupportsWrite[str] | None = None) -> DemoRegion:
    load_from_library()
    county, _ = County.objects.get_or_create(code=COUNTY[0], defaults={"name": COUNTY[1]})
    townships, users = {}, {}
    admin = _user("admin", "系统管理员", superuser=True)
    assignment_grant(user=admin, role=Role.ADMINISTRATOR, region=None, actor=None)
    users["admin"] = admin
    for code, name, slug, is_urban, villages in TOWNSHIPS:
        township, _ = Township.objects.get_or_create(code=code, defaults={"name": name, "county": county})
        townships[slug] = township
        first_village = None
        for i, vname in enumerate(villages, start=1):
            village, _ = Village.objects.get_or_create(
                code=f"{code}{i:03d}", defaults={"name": vname, "township": township, "is_urban": is_urban}
            )
            first_village = first_village or village
        for role, suffix, label in TOWNSHIP_ROLES:
            user = _user(f"{slug}_{suffix}", f"{name}{label}")
            region = first_village if role == Role.VILLAGE_ASSISTANT else township
            assignment_grant(user=user, role=role, region=region, actor=admin)
            users[f"{slug}_{suffix}"] = user
    for role, username, label in COUNTY_ROLES:
        user = _user(username, label)
        assignment_grant(user=user, role=role, region=county, actor=admin)
        users[username] = user

    for year, rural, urban in [(2025, "4560.00", "580.00"), (2026, "4800.00", "600.00")]:
        start = datetime.date(year, 1, 1)
        DibaoStandard.objects.get_or_create(
            county=county,
            area=Area.RURAL,
            effective_from=start,
            defaults={"period": Period.YEARLY, "amount": Decimal(rural), "note": f"示范县民政局 {year} 年标准"},
        )
        DibaoStandard.objects.get_or_create(
            county=county,
            area=Area.URBAN,
            effective_from=start,
            defaults={"period": Period.MONTHLY, "amount": Decimal(urban), "note": f"示范县民政局 {year} 年标准"},
        )
    AssetLimit.objects.get_or_create(
        county=county,
        effective_from=datetime.date(2025, 1, 1),
        defaults={
            "financial_assets_per_capita": Decimal("14400.00"),
            "vehicles_allowed": False,
            "max_housing_units": 1,
        },
    )
    TemporaryAssistanceRule.objects.get_or_create(
        county=county,
        effective_from=datetime.date(2025, 1, 1),
        defaults={"township_limit": None, "max_payments_per_year": 2, "assist_first_completion_days": 5},
    )
    SamplingRule.objects.get_or_create(county=county, effective_from=datetime.date(2025, 1, 1))
    for area in (Area.RURAL, Area.URBAN):  # MSL 23: amount = the gap; bands are configured in the admin
        DibaoAmountRule.objects.get_or_create(
            county=county,
            area=area,
            effective_from=datetime.date(2025, 1, 1),
            defaults={"method": AmountMethod.GAP, "note": "示范县民政局：补差计发"},
        )
    TekunSupportRule.objects.get_or_create(
        county=county,
        effective_from=datetime.date(2025, 1, 1),
        defaults={"standard_factor": Decimal("1.30"), "note": "特困人员基本生活标准为低保标准的 1.3 倍"},
    )
    RigidExpenseRule.objects.get_or_create(  # MSL 13: illness and disability costs, medical capped
        county=county,
        effective_from=datetime.date(2025, 1, 1),
        defaults={"illness_monthly_cap": Decimal("1000.00"), "note": "示范县民政局：刚性支出扣减"},
    )
    if stdout:
        stdout.write(f"county {county.code} {county.name}: {len(townships)} townships, {len(users)} users")
    return DemoRegion(county=county, townships=townships, users=users)

"""Demo households for the economic-status check, and their checks when the sandbox runs.

Three households whose members are the sandbox's demo people
(``sandbox/records.py``), each with every adult's check authorisation:

- 张建国户 (青山村, rural, 3 people, 250 yuan per person): eligible, gap 150;
- 王德福户 (河口村, rural, 2 people): the vehicle registry has their car -> not eligible;
- 刘芳户 (东门社区, urban, 2 people): tax finds a higher wage than declared -> needs review.

If the sandbox answers (``manage.py registry_sandbox``), one check per
household is run; otherwise a note says how to start it. Idempotent.
"""

from __future__ import annotations

import datetime
import urllib.request
from decimal import Decimal

from django.db import transaction

from workflows.core.models import Village
from workflows.core.models.rules import Area
from workflows.households.models import Consent, DeclaredAsset, DeclaredIncome, Household, HouseholdMember

from .adapters import sandbox_base_url
from .sandbox.records import PEOPLE

R = HouseholdMember.Relation
HOUSEHOLDS = [
    {
        "village": "990101001001",
        "area": Area.RURAL,
        "address": "青山村三组 12 号",
        "worker": "qingshan_worker",
        "members": [
            ("zhang_jianguo", R.APPLICANT, "500.00"),
            ("li_xiuying", R.SPOUSE, "250.00"),
            ("zhang_xiaojun", R.MINOR_CHILD, None),
        ],
        "assets": [(DeclaredAsset.Kind.DEPOSIT, "示范县农村信用社活期", "2400.00")],
    },
    {
        "village": "990101002001",
        "area": Area.RURAL,
        "address": "河口村渡口路 3 号",
        "worker": "hekou_worker",
        "members": [("wang_defu", R.APPLICANT, "600.00"), ("chen_guilan", R.SPOUSE, None)],
        "assets": [],
    },
    {
        "village": "990101003001",
        "area": Area.URBAN,
        "address": "东门社区和平街 8 号 2 单元 301",
        "worker": "chengguan_worker",
        "members": [("liu_fang", R.APPLICANT, "800.00"), ("liu_chen", R.MINOR_CHILD, None)],
        "assets": [],
    },
]


def sandbox_reachable(timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{sandbox_base_url()}/_health", timeout=timeout) as response:  # noqa: S310 - our own URL
            return response.status == 200
    except OSError:
        return False


@transaction.atomic
def _household(spec, users) -> Household:
    first_key = spec["members"][0][0]
    existing = HouseholdMember.objects.filter(id_number=PEOPLE[first_key].id_number).select_related("household").first()
    if existing:
        return existing.household
    village = Village.objects.select_related("township__county").get(code=spec["village"])
    worker = users.get(spec["worker"])
    household = Household.objects.create(
        county=village.township.county,
        township=village.township,
        village=village,
        area=spec["area"],
        address=spec["address"],
        created_by=worker,
    )
    for key, relation, wage in spec["members"]:
        person = PEOPLE[key]
        member = HouseholdMember.objects.create(
            household=household, name=person.name, id_number=person.id_number, relation=relation
        )
        if wage is not None:
            DeclaredIncome.objects.create(member=member, kind=DeclaredIncome.Kind.WAGE, monthly_amount=Decimal(wage))
        if member.is_adult():
            Consent.objects.create(
                member=member,
                kind=Consent.Kind.CHECK_AUTHORISATION,
                signed_on=datetime.date.today(),
                recorded_by=worker,
            )
    for kind, description, value in spec["assets"]:
        DeclaredAsset.objects.create(household=household, kind=kind, description=description, value=Decimal(value))
    return household


def seed(region, stdout=None):
    from .models import FinanceCheckProcess
    from .services import finance_check_request

    households = [(spec, _household(spec, region.users)) for spec in HOUSEHOLDS]
    if not sandbox_reachable():
        if stdout:
            stdout.write(
                f"finance check: sandbox registries not reachable at {sandbox_base_url()}; "
                "start `manage.py registry_sandbox` and re-run seed_demo to run the demo checks"
            )
        return
    for spec, household in households:
        if FinanceCheckProcess.objects.filter(household=household).exists():
            continue
        finance_check_request(
            household=household,
            purpose="dibao",
            case_ref=f"demo-household-{household.pk}",
            actor=region.users.get(spec["worker"]),
        )
    if stdout:
        outcomes = ", ".join(
            f"{c.household} {c.get_outcome_display()}"
            for c in FinanceCheckProcess.objects.filter(household__in=[h for _, h in households]).select_related(
                "household"
            )
        )
        stdout.write(f"finance checks: {outcomes}")

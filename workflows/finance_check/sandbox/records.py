"""Deterministic records of the sandbox registries.

The demo households (``workflows.finance_check.demo``) use the people below;
their records are what a county's real registries would plausibly return.
Anyone else is known to household registration (status normal) and has no
records anywhere else, so a test household with made-up ID numbers has "no
registry findings" unless the test adds records through ``/_control``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from workflows.households.validators import id_check_char

DEMO_AREA = "990101"


def make_id(birth: datetime.date, seq: int, area: str = DEMO_AREA) -> str:
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    birth: datetime.date
    seq: int

    @property
    def id_number(self) -> str:
        return make_id(self.birth, self.seq)


PEOPLE = {
    p.key: p
    for p in [
        # 青山村: a rural family of three, nothing undeclared (eligible).
        DemoPerson("zhang_jianguo", "张建国", datetime.date(1968, 3, 12), 11),
        DemoPerson("li_xiuying", "李秀英", datetime.date(1970, 7, 8), 22),
        DemoPerson("zhang_xiaojun", "张小军", datetime.date(2012, 5, 20), 31),
        # 河口村: a couple whose car shows up in the vehicle registry (not eligible).
        DemoPerson("wang_defu", "王德福", datetime.date(1975, 11, 2), 51),
        DemoPerson("chen_guilan", "陈桂兰", datetime.date(1978, 1, 15), 62),
        # 东门社区: a mother whose wage is higher than declared (needs review).
        DemoPerson("liu_fang", "刘芳", datetime.date(1985, 9, 9), 82),
        DemoPerson("liu_chen", "刘晨", datetime.date(2015, 4, 4), 91),
    ]
}


def _id(key: str) -> str:
    return PEOPLE[key].id_number


def fixture_records() -> dict[str, dict[str, list[dict]]]:
    """{id_number: {source: [record, ...]}} for the demo people."""
    return {
        _id("zhang_jianguo"): {
            "bank_deposits": [
                {
                    "id_number": _id("zhang_jianguo"),
                    "bank": "示范县农村信用社",
                    "account_masked": "6230****1182",
                    "balance": "2400.00",
                }
            ],
        },
        _id("wang_defu"): {
            "vehicles": [
                {
                    "owner_id_number": _id("wang_defu"),
                    "plate": "示A·3K721",
                    "brand_model": "比亚迪 秦",
                    "vehicle_type": "小型轿车",
                    "registered_on": "2021-06-18",
                    "estimated_value": "62000.00",
                    "disability_vehicle": False,
                }
            ],
        },
        _id("liu_fang"): {
            "tax": [
                {
                    "id_number": _id("liu_fang"),
                    "category": "wage",
                    "annual_amount": "12000.00",
                    "tax_year": "2025",
                    "payer": "城关镇某物业服务有限公司",
                }
            ],
            "social_insurance": [
                {
                    "id_number": _id("liu_fang"),
                    "scheme": "employee_contribution",
                    "contribution_base": "1000.00",
                    "employer": "城关镇某物业服务有限公司",
                }
            ],
        },
    }


def registration_record(id_number: str, name: str = "") -> dict:
    """What household registration answers for anyone without a fixture."""
    return {"id_number": id_number, "name": name, "status": "normal"}


NAMES = {p.id_number: p.name for p in PEOPLE.values()}

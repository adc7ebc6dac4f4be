"""Demo: each township's reserve fund for the current year, and temporary-assistance
cases on every path, all driven through the services and the flow.

qingshan: township approval (paid from the fund), county approval (above the
limit), 一事一议 decided, assist first with paperwork pending.
hekou: staged township payment (first stage paid, second open), a refusal.
chengguan: county approval waiting in the county officer's queue.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from workflows.core.driving import complete_task, open_tasks, start_case
from workflows.funds.models import ReserveFund
from workflows.funds.services import fund_allocate
from workflows.households.models import Household, HouseholdMember
from workflows.households.validators import id_check_char

from . import services
from .flows import TemporaryAssistanceFlow as F
from .models import TemporaryAssistanceProcess

FUND_AMOUNT = Decimal("50000.00")


def _household(township, n: int, name: str) -> Household:
    village = township.villages.order_by("code").first()
    household = Household.objects.create(
        county=township.county,
        township=township,
        village=village,
        area="urban" if village.is_urban else "rural",
        address=f"{village.name}{n}号",
    )
    first17 = f"{township.county.code}19750101{n:03d}"
    HouseholdMember.objects.create(
        household=household,
        name=name,
        id_number=first17 + id_check_char(first17),
        relation=HouseholdMember.Relation.APPLICANT,
    )
    return household


def _file(worker, household, **data):
    data.setdefault("event_date", timezone.localdate() - datetime.timedelta(days=2))
    data.setdefault("cause_detail", "演示：家中突遭变故，生活陷入困境。")
    return start_case(
        F.start, user=worker, perform=lambda p: services.case_open(process=p, household=household, actor=worker, **data)
    )


def _do(process, node, user, service, **kwargs):
    task = open_tasks(process, node).get()
    return complete_task(task, user=user, perform=lambda p: service(process=p, actor=user, **kwargs))


def seed(region, stdout=None):
    year = timezone.localdate().year
    officer = region.users["county_officer"]
    for township in region.townships.values():
        if not ReserveFund.objects.filter(township=township, budget_year=year).exists():
            fund_allocate(
                township=township, budget_year=year, amount=FUND_AMOUNT, reason=f"{year} 年度备用金拨付", actor=officer
            )

    for slug, township in region.townships.items():
        if TemporaryAssistanceProcess.objects.filter(township=township).exists():
            continue
        worker, approver = region.users[f"{slug}_worker"], region.users[f"{slug}_approver"]
        base = {"qingshan": 100, "hekou": 200, "chengguan": 300}[slug]
        if slug == "qingshan":
            p = _file(worker, _household(township, base + 1, "王秀英"), kind="emergency", cause="fire",
                      requested_amount=Decimal("1500.00"))  # fmt: skip
            _do(
                p, F.township_approve, approver, services.case_township_approve, approve=True, amount=p.requested_amount
            )

            p = _file(worker, _household(township, base + 2, "李建国"), kind="emergency", cause="accident",
                      requested_amount=Decimal("2500.00"))  # fmt: skip
            _do(p, F.county_approve, officer, services.case_county_approve, approve=True, amount=Decimal("2500.00"),
                reason="超出乡镇限额，县级审批同意")  # fmt: skip

            p = _file(worker, _household(township, base + 3, "赵桂兰"), kind="emergency", cause="sudden_illness",
                      requested_amount=Decimal("20000.00"), major_hardship=True)  # fmt: skip
            _do(p, F.case_by_case_decision, officer, services.case_decide_case_by_case, approve=True,
                amount=Decimal("15000.00"), first_payment=Decimal("10000.00"),
                meeting_date=timezone.localdate() - datetime.timedelta(days=1),
                participants="县民政局局长、县财政局副局长、青山镇镇长", reason="重大困难，一事一议同意")  # fmt: skip

            p = _file(worker, _household(township, base + 4, "孙大海"), kind="emergency", cause="flood",
                      requested_amount=Decimal("1000.00"), assist_first=True)  # fmt: skip
            _do(p, F.assist_first_pay, approver, services.case_assist_first_pay, amount=Decimal("1000.00"))
        elif slug == "hekou":
            p = _file(worker, _household(township, base + 1, "周志强"), kind="emergency", cause="accident",
                      requested_amount=Decimal("1600.00"))  # fmt: skip
            _do(p, F.township_approve, approver, services.case_township_approve, approve=True,
                amount=Decimal("1600.00"), first_payment=Decimal("800.00"))  # fmt: skip

            p = _file(worker, _household(township, base + 2, "吴丽华"), kind="emergency", cause="other",
                      requested_amount=Decimal("900.00"))  # fmt: skip
            _do(p, F.township_approve, approver, services.case_township_approve, approve=False,
                reason="经入户核实，家庭存款足以应对本次困难。")  # fmt: skip
        else:
            _file(worker, _household(township, base + 1, "郑春梅"), kind="emergency", cause="fire",
                  requested_amount=Decimal("3000.00"))  # fmt: skip
    if stdout:
        stdout.write(
            f"temporary assistance: {TemporaryAssistanceProcess.objects.count()} cases, "
            f"{ReserveFund.objects.filter(budget_year=year).count()} reserve funds for {year}"
        )

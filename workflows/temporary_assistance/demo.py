"""Demo: each township's reserve fund for the current year, and temporary-assistance
cases on every path, all driven through the services and the flow.

qingshan: township approval (paid from the fund), county approval (above the
limit), 一事一议 decided, assist first with paperwork pending, a spending-shock
(支出型) case that goes through the household-finance check and is approved.
hekou: staged township payment (first stage paid, second open), a refusal, a
staged payment paid in two stages of which the second is partly reversed.
chengguan: county approval waiting in the county officer's queue.

The finance check runs when the spending-shock filing commits (eager Celery): it
queries the sandbox registries if they answer; if not, the case worker enters the
figures from written documents for each unavailable registry (``obtain_documents``),
as in a township without a registry link. With a real broker the check runs on the
worker and the case waits at ``await_finance_check``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from workflows.core.driving import complete_task, open_tasks, start_case
from workflows.funds.models import ReserveFund
from workflows.funds.services import fund_allocate
from workflows.households.models import Consent, Household, HouseholdMember
from workflows.households.validators import id_check_char

from . import services
from .flows import TemporaryAssistanceFlow as F
from .models import TemporaryAssistanceProcess

FUND_AMOUNT = Decimal("50000.00")
STAGED_REVERSAL = Decimal("200.00")
REVERSAL_REASON = "第二次发放的收款账户户名有误，银行退回，款项退回备用金。"


def _household(township, n: int, name: str, consent_by=None) -> Household:
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
    if consent_by is not None:  # the signed check authorisation a spending-shock request needs (MSL 9)
        for member in household.members.all():
            Consent.objects.create(
                member=member,
                kind=Consent.Kind.CHECK_AUTHORISATION,
                signed_on=timezone.localdate(),
                recorded_by=consent_by,
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


def _finish_finance_check(process, worker) -> bool:
    """Drive the case's finance check to its end when it waits for written documents.

    Returns whether the case has left ``await_finance_check``.
    """
    from workflows.finance_check.flows import FinanceCheckFlow
    from workflows.finance_check.models import FinanceCheckProcess
    from workflows.finance_check.services import evidence_record_manual, unavailable_sources
    from workflows.finance_check.sources import source_kind

    check = FinanceCheckProcess.objects.filter(case_ref=services.finance_check_case_ref(process)).first()
    task = check and open_tasks(check, FinanceCheckFlow.obtain_documents).first()
    if task is not None:

        def enter_documents(check):
            for source in unavailable_sources(check):
                figures = {
                    "income": {"amount": Decimal("0.00")},
                    "asset": {"amount": Decimal("0.00"), "count": 0},
                }.get(source_kind(source), {"confirmed": True})
                evidence_record_manual(
                    check=check, source=source, note="演示：有关部门出具的书面证明", actor=worker, **figures
                )

        complete_task(task, user=worker, perform=enter_documents)
    return not open_tasks(process, F.await_finance_check).exists()


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

            p = _file(worker, _household(township, base + 5, "钱淑芬", consent_by=worker), kind="spending_shock",
                      cause="medical_expense", requested_amount=Decimal("1200.00"),
                      cause_detail="演示：子女住院，自付医疗费用过高，基本生活出现严重困难。")  # fmt: skip
            if _finish_finance_check(p, worker):
                _do(p, F.township_approve, approver, services.case_township_approve, approve=True,
                    amount=Decimal("1200.00"), reason="核对结果已阅，支出型困难属实，同意救助")  # fmt: skip
        elif slug == "hekou":
            p = _file(worker, _household(township, base + 1, "周志强"), kind="emergency", cause="accident",
                      requested_amount=Decimal("1600.00"))  # fmt: skip
            _do(p, F.township_approve, approver, services.case_township_approve, approve=True,
                amount=Decimal("1600.00"), first_payment=Decimal("800.00"))  # fmt: skip

            p = _file(worker, _household(township, base + 2, "吴丽华"), kind="emergency", cause="other",
                      requested_amount=Decimal("900.00"))  # fmt: skip
            _do(p, F.township_approve, approver, services.case_township_approve, approve=False,
                reason="经入户核实，家庭存款足以应对本次困难。")  # fmt: skip

            p = _file(worker, _household(township, base + 3, "陈美玲"), kind="emergency", cause="flood",
                      requested_amount=Decimal("1200.00"))  # fmt: skip
            _do(p, F.township_approve, approver, services.case_township_approve, approve=True,
                amount=Decimal("1200.00"), first_payment=Decimal("700.00"))  # fmt: skip
            _do(p, F.township_pay, approver, services.case_pay_installment, amount=Decimal("500.00"))
            second = p.payments.get(seq=2)
            services.payment_reverse(payment=second, amount=STAGED_REVERSAL, reason=REVERSAL_REASON, actor=approver)
        else:
            _file(worker, _household(township, base + 1, "郑春梅"), kind="emergency", cause="fire",
                  requested_amount=Decimal("3000.00"))  # fmt: skip
    if stdout:
        stdout.write(
            f"temporary assistance: {TemporaryAssistanceProcess.objects.count()} cases, "
            f"{ReserveFund.objects.filter(budget_year=year).count()} reserve funds for {year}"
        )

"""The MSL 13 acceptance household of issue 15, and a driver from filing to the proposal."""

from __future__ import annotations

import datetime
from decimal import Decimal

from tests.dibao.conftest import accept, home_visit, propose
from tests.factories import make_id_number
from workflows.core.models import DibaoStandard
from workflows.dibao.models import DibaoProcess

# Urban household of 3: the applicant earns 1,200/month, the spouse spends 150/month on
# disability care; urban standard 760/month -> (760 − (1200 − 150) / 3) × 3 = 1,230.00.
APPLICANT = ("周大明", make_id_number(datetime.date(1975, 2, 3), seq=611), "applicant")
SPOUSE = ("吴小芳", make_id_number(datetime.date(1977, 6, 7), seq=622), "spouse")
CHILD = ("周小宝", make_id_number(datetime.date(2016, 9, 1), seq=633), "minor_child")
MEMBERS = (APPLICANT, SPOUSE, CHILD)
INCOME = "1200.00"
EXPENSE = ("disability", "150.00")
EXPECTED = Decimal("1230.00")
PDF = b"%PDF-1.4\n% proof\n"


def urban_standard_760(county) -> None:
    DibaoStandard.objects.filter(county=county, area="urban").update(amount=Decimal("760.00"), period="monthly")


def propose_after_check(process, worker, worker2) -> DibaoProcess:
    """Accept (the real finance check runs on commit), two-investigator visit, propose."""
    process = accept(DibaoProcess.objects.get(pk=process.pk), worker)
    process = home_visit(process, worker, worker, worker2)
    return propose(process, worker)


def assert_deduction_named(process: DibaoProcess) -> None:
    computation = process.amount_computation
    assert process.proposed_amount == EXPECTED, computation
    assert computation["formula"] == "(760.00 − 350.00) × 3 = 1230.00"
    (deduction,) = computation["deductions"]
    assert deduction["kind"] == "disability" and deduction["members"] == [SPOUSE[0]]
    assert deduction["deducted"] == "150.00"
    assert "因残康复、护理支出" in computation["income_formula"] and SPOUSE[0] in computation["income_formula"]
    messages = [r["message"] for r in process.finance_result["reasons"] if r["code"] == "expense_deducted"]
    assert messages and SPOUSE[0] in messages[0] and "刚性支出扣减规则" in messages[0]

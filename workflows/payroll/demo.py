"""Payroll demo: 青山镇's payment roll for last month, frozen, with one payment the bank returned.

The roll is generated on the 20th of last month by the section chief (``qingshan_approver``)
and frozen the next day by the township head (``qingshan_head``): a different person, as
``roll_freeze`` requires, so a demo login can generate this month's roll next. It pays the
households the caseload demo brought in. Today the bank's return of one payment (a closed
account) is recorded and the corrected account entered: this month's roll reissues it.
Skipped once the township has any roll, so a second run adds nothing.
"""

from __future__ import annotations

from django.utils import timezone

from workflows.caseload.demo import RETURNED, TOWNSHIP, as_of, staff
from workflows.caseload.models import Benefit, BenefitKind
from workflows.caseload.months import add_months, month_of

from . import services
from .models import PaymentRoll

RETURN_REASON = "收款账户已销户，银行退回"
CORRECTED_ACCOUNT = "6217990101000099901"


def seed(region, stdout=None):
    township = region.townships[TOWNSHIP]
    month = add_months(month_of(timezone.localdate()), -1)
    if PaymentRoll.objects.filter(township=township).exists():
        if stdout:
            stdout.write(f"payment rolls: {PaymentRoll.objects.count()} (already seeded)")
        return
    if not Benefit.objects.filter(township=township, kind=BenefitKind.MONTHLY, starts__lte=month).exists():
        return  # nobody to pay last month
    with as_of(month.replace(day=20)):
        roll = services.roll_generate(township=township, month=month, actor=region.users[f"{TOWNSHIP}_approver"])
    with as_of(month.replace(day=21)):
        roll = services.roll_freeze(roll=roll, actor=staff(f"{TOWNSHIP}_head"))
    worker = region.users[f"{TOWNSHIP}_worker"]
    line = roll.lines.filter(payee_name=RETURNED).first()
    if line is not None:
        line = services.line_return(line=line, reason=RETURN_REASON, actor=worker)
        services.line_reissue_ready(line=line, bank_account=CORRECTED_ACCOUNT, actor=worker)
    if stdout:
        stdout.write(f"payment roll {township.name} {month:%Y-%m}: {roll.line_count} lines, frozen, one returned")

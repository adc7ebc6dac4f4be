"""Generating a township's roll for a month: benefit lines with arrears, temporary-assistance
instalments, reissues of returned payments, recovery deductions."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.caseload.models import PAYING, Benefit, BenefitChange, BenefitKind
from workflows.caseload.months import add_months, month_of
from workflows.core.access import holds
from workflows.core.models import Township
from workflows.core.money import round_to_fen
from workflows.core.types import Staff
from workflows.households.models import Household, HouseholdMember

# Test seams (``_today``, ``_now``) are looked up through the package, so that patching
# ``workflows.payroll.services.<name>`` reaches every caller.
from workflows.payroll import services
from workflows.temporary_assistance.models import Payment as TaPayment

from ..models import Deduction, LineDeduction, LineKind, PaymentRoll, PaymentRollLine, RollStatus
from .common import ZERO, _audit, months_between
from .errors import (
    ERR_EARLIER_DRAFT,
    ERR_FROZEN,
    ERR_LATER_EXISTS,
    ERR_NOT_TOWNSHIP_STAFF,
    ERR_TOO_EARLY,
)


def _payee(household: Household) -> tuple[str, str]:
    head = household.head
    return (head.name, head.id_number) if head else ("", "")


def _check_order(township_id: int, month: datetime.date) -> None:
    later = PaymentRoll.objects.filter(township_id=township_id, month__gt=month).order_by("month").first()
    if later is not None:
        raise ValidationError(ERR_LATER_EXISTS, params={"month": f"{later.month:%Y-%m}"})
    earlier = (
        PaymentRoll.objects.filter(township_id=township_id, month__lt=month, status=RollStatus.DRAFT)
        .order_by("month")
        .first()
    )
    if earlier is not None:
        raise ValidationError(ERR_EARLIER_DRAFT, params={"month": f"{earlier.month:%Y-%m}"})


def _payment_schedules(benefit_ids: Any) -> dict[int, list[tuple[datetime.date, Decimal]]]:
    """Per benefit, its history as (month from which, amount paid per month) in order: the
    same reading as ``Benefit.amount_in`` (the latest change in effect decides; a status
    that does not pay pays 0), from plain tuples of one query."""
    schedules: dict[int, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    changes = (
        BenefitChange.objects.filter(benefit_id__in=benefit_ids)
        .order_by("benefit_id", "effective_month", "pk")
        .values_list("benefit_id", "effective_month", "new_amount", "new_status")
    )
    for benefit_id, effective, amount, status in changes:
        schedules[benefit_id].append((effective, amount if status in PAYING else ZERO))
    return schedules


def _paid_in(
    schedule: list[tuple[datetime.date, Decimal]], starts: datetime.date, first: datetime.date, last: datetime.date
) -> tuple[Decimal, Decimal]:
    """(owed for ``first``..``last``-1 month, paid for ``last``) from a benefit's schedule,
    nothing before ``starts``: one walk over the months and the changes together."""
    owed, amount, j = ZERO, ZERO, 0
    for month in months_between(max(first, starts), last):
        while j < len(schedule) and schedule[j][0] <= month:
            amount = schedule[j][1]
            j += 1
        if month == last:
            return owed, amount
        owed += amount
    return owed, ZERO


def _heads(household_ids: Any) -> dict[int, tuple[str, str]]:
    """The payee of each household: its applicant (户主), else its first member, as
    ``Household.head`` reads it; (name, ID number) tuples from one query."""
    heads: dict[int, tuple[str, str]] = {}
    applicants: set[int] = set()
    members = (
        HouseholdMember.objects.filter(household_id__in=household_ids)
        .order_by("household_id", "pk")
        .values_list("household_id", "relation", "name", "id_number")
    )
    for household_id, relation, name, id_number in members:
        if relation == HouseholdMember.Relation.APPLICANT:
            if household_id not in applicants:
                heads[household_id] = (name, id_number)
                applicants.add(household_id)
        elif household_id not in heads:
            heads[household_id] = (name, id_number)
    return heads


def _benefit_lines(township_id: int, month: datetime.date, first_month: datetime.date) -> list[PaymentRollLine]:
    """One line per benefit that pays this month or is owed arrears. Read as tuples and
    computed from the change history in bulk (four queries; ~5,000 benefits a township)."""
    in_roll = Benefit.objects.filter(township_id=township_id, kind=BenefitKind.MONTHLY, starts__lte=month).exclude(
        until__lt=first_month
    )
    benefits = list(
        in_roll.order_by("pk").values_list(
            "pk", "starts", "programme", "case_number", "household_id", "household__bank_account"
        )
    )
    # sub-selects rather than lists of thousands of ids to send and parse
    ids = in_roll.values("pk")
    schedules = _payment_schedules(ids)
    heads = _heads(in_roll.values("household_id"))
    rolled_sums = dict(
        PaymentRollLine.objects.filter(
            kind=LineKind.BENEFIT,
            benefit__in=ids,
            roll__status=RollStatus.FROZEN,
            roll__month__lt=month,
        )
        .values_list("benefit_id")
        .annotate(total=Sum("current") + Sum("arrears"))
    )
    # SQLite sums decimals as floats: back to fen before comparing with what is owed
    rolled = {pk: round_to_fen(total) for pk, total in rolled_sums.items()}
    lines = []
    for pk, starts, programme, case_number, household_id, bank_account in benefits:
        owed_before, current = _paid_in(schedules.get(pk, []), starts, month_of(first_month), month)
        arrears = max(ZERO, owed_before - rolled.get(pk, ZERO))
        if current == ZERO and arrears == ZERO:
            continue
        name, id_number = heads.get(household_id, ("", ""))
        lines.append(
            PaymentRollLine(
                kind=LineKind.BENEFIT,
                benefit_id=pk,
                household_id=household_id,
                programme=programme,
                case_number=case_number,
                payee_name=name,
                payee_id_number=id_number,
                bank_account=bank_account,
                current=round_to_fen(current),
                arrears=round_to_fen(arrears),
            )
        )
    return lines


def _ta_lines(township_id: int, month: datetime.date) -> list[PaymentRollLine]:
    """Temporary-assistance instalments the county pays through the roll (TA18 3(3))."""
    start = timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(add_months(month, 1), datetime.time.min))
    payments = (
        TaPayment.objects.filter(
            process__township_id=township_id,
            source=TaPayment.Source.COUNTY,
            paid_at__gte=start,
            paid_at__lt=end,
        )
        .select_related("process__household")
        .prefetch_related("process__household__members")
        .order_by("pk")
    )
    lines = []
    for p in payments:
        net = p.amount - p.reversed_amount
        if net <= ZERO:
            continue
        household = p.process.household
        name, id_number = _payee(household)
        lines.append(
            PaymentRollLine(
                kind=LineKind.TA_INSTALMENT,
                ta_payment=p,
                household=household,
                programme="temporary_assistance",
                case_number=p.process.case_number or "",
                payee_name=name,
                payee_id_number=id_number,
                bank_account=household.bank_account,
                current=net,
                note=str(_("第 %(seq)s 次发放")) % {"seq": p.seq},
            )
        )
    return lines


def _reissue_lines(township_id: int, month: datetime.date) -> list[PaymentRollLine]:
    returned = (
        PaymentRollLine.objects.filter(
            roll__township_id=township_id,
            roll__status=RollStatus.FROZEN,
            roll__month__lt=month,
            returned_at__isnull=False,
            reissue_ready=True,
            reissued_by__isnull=True,
        )
        .select_related("roll", "household")
        .order_by("pk")
    )
    return [
        PaymentRollLine(
            kind=LineKind.REISSUE,
            reissue_of=line,
            benefit_id=line.benefit_id,
            household=line.household,
            programme=line.programme,
            case_number=line.case_number,
            payee_name=line.payee_name,
            payee_id_number=line.payee_id_number,
            bank_account=line.household.bank_account,
            current=line.amount,
            note=str(_("%(month)s 退回款重发")) % {"month": f"{line.roll.month:%Y-%m}"},
        )
        for line in returned
    ]


def _apply_deductions(township_id: int, lines: list[PaymentRollLine]) -> dict[int, list[tuple[Deduction, Decimal]]]:
    """Deduct open recoveries from the household's lines, oldest order first, never below
    zero and within each order's monthly cap. Returns, per line index, what it applied."""
    by_household: dict[int, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        by_household[line.household_id].append(i)
    applied: dict[int, list[tuple[Deduction, Decimal]]] = defaultdict(list)
    orders = Deduction.objects.filter(
        township_id=township_id, status=Deduction.Status.OPEN, household_id__in=list(by_household)
    ).order_by("created_at", "pk")
    for order in orders:
        budget = order.remaining if order.monthly_cap is None else min(order.remaining, order.monthly_cap)
        for i in by_household[order.household_id]:
            line = lines[i]
            room = line.current + line.arrears - line.deduction
            take = min(room, budget)
            if take <= ZERO:
                continue
            line.deduction += take
            budget -= take
            applied[i].append((order, take))
    return applied


@transaction.atomic
def roll_generate(*, township: Township, month: datetime.date, actor: Staff) -> PaymentRoll:
    """Generate (or regenerate, while a draft) the township's roll for ``month``."""
    if not (
        holds(actor, "act_case_worker", township=township.pk) or holds(actor, "act_approver", township=township.pk)
    ):
        raise PermissionDenied(ERR_NOT_TOWNSHIP_STAFF)
    month = month_of(month)
    if month > add_months(services._today(), 1):
        raise ValidationError(ERR_TOO_EARLY)
    roll = PaymentRoll.objects.select_for_update().filter(township=township, month=month).first()
    if roll is not None and roll.is_frozen:
        raise ValidationError(ERR_FROZEN)
    _check_order(township.pk, month)
    if roll is None:
        roll = PaymentRoll.objects.create(county_id=township.county_id, township=township, month=month)
    else:
        roll.lines.all().delete()
    first = PaymentRoll.objects.filter(township=township).aggregate(first=Min("month"))["first"] or month
    lines = (
        _benefit_lines(township.pk, month, first) + _ta_lines(township.pk, month) + _reissue_lines(township.pk, month)
    )
    applied = _apply_deductions(township.pk, lines)
    for line in lines:
        line.roll = roll
        line.amount = line.current + line.arrears - line.deduction
    PaymentRollLine.objects.bulk_create(lines, batch_size=1000)
    LineDeduction.objects.bulk_create(
        [
            LineDeduction(line=lines[i], deduction=order, amount=take)
            for i, items in applied.items()
            for order, take in items
        ]
    )
    old = {"line_count": roll.line_count, "total_amount": roll.total_amount}
    roll.line_count = len(lines)
    roll.total_amount = sum((line.amount for line in lines), ZERO)
    roll.total_arrears = sum((line.arrears for line in lines), ZERO)
    roll.total_deductions = sum((line.deduction for line in lines), ZERO)
    roll.generated_at, roll.generated_by = services._now(), actor
    roll.save()
    _audit(
        roll,
        "payroll.generate",
        actor,
        changes={
            "line_count": [old["line_count"], roll.line_count],
            "total_amount": [old["total_amount"], roll.total_amount],
        },
        data={"month": f"{month:%Y-%m}", "township": township.name},
    )
    return roll

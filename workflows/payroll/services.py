"""Payment-roll rules (domain.md §8 "Monthly payment", YKT19; SAI 68 for recoveries).

Rolls go forward month by month per township: a roll is generated only when every
earlier roll of the township is frozen and no later one exists, so "rolled before"
is always the sum of frozen rolls. For each monthly benefit a line pays

    this month's amount  +  arrears (owed for earlier months − rolled for them)  −  deductions

which is why a benefit approved late, or increased after a roll was frozen, is paid in the
next roll without anyone computing arrears by hand, and why the totals reconcile with the
benefits over any run of months (tests/caseload/test_payroll.py). Months before the
township's first roll in this system were paid by the previous system and are not owed here.
"""

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
from workflows.core.audit import audit_record
from workflows.core.models import Township
from workflows.core.money import round_to_fen
from workflows.core.pii import clean_reason
from workflows.core.types import AnyUser, Staff, StrOrPromise
from workflows.households.models import Household, HouseholdMember
from workflows.temporary_assistance.models import Payment as TaPayment

from .models import Deduction, LineDeduction, LineKind, PaymentRoll, PaymentRollLine, RollStatus

ZERO = Decimal("0.00")

ERR_NOT_TOWNSHIP_STAFF = _("只有本乡镇经办人或审批人可以生成发放名册。")
ERR_NOT_CASE_WORKER = _("只有本乡镇经办人可以登记发放退回和更正账户。")
ERR_NOT_APPROVER = _("只有本乡镇审批人（乡镇负责人）可以审核冻结发放名册。")
ERR_SAME_PERSON = _("生成名册的人不能冻结同一份名册，请由乡镇负责人审核冻结。")
ERR_FROZEN = _("发放名册已冻结，不能重新生成；冻结后的变更计入下月名册。")
ERR_EARLIER_DRAFT = _("%(month)s 的名册尚未冻结：名册须按月依次生成和冻结。")
ERR_LATER_EXISTS = _("已有 %(month)s 的名册：不能再生成更早月份的名册。")
ERR_TOO_EARLY = _("只能生成本月或下月的发放名册。")
ERR_NOT_FROZEN = _("名册冻结后才能导出报送或登记退回。")
ERR_ALREADY_RETURNED = _("这笔发放已登记退回。")
ERR_NOT_RETURNED = _("这笔发放没有登记退回。")
ERR_ALREADY_REISSUED = _("这笔退回款已安排重发。")
ERR_ACCOUNT_REQUIRED = _("请填写更正后的收款账户。")
ERR_ACCOUNT_UNCHANGED = _("更正后的账户与退回时的账户相同；请核实后再填写。")
ERR_DEDUCTION_AMOUNT = _("扣减金额必须大于 0。")
ERR_DEDUCTION_STALE = _("有扣减记录在名册生成后已发生变化，请重新生成名册后再冻结。")
ERR_REASON_REQUIRED = _("请填写理由。")


def _now() -> datetime.datetime:
    return timezone.now()


def _today() -> datetime.date:
    return timezone.localdate()


def _require(user: AnyUser, codename: str, township_id: int, error: StrOrPromise) -> None:
    if not holds(user, codename, township=township_id):
        raise PermissionDenied(error)


def _audit(
    roll: PaymentRoll, action: str, actor: Staff, *, changes: dict[str, list] | None = None, data: dict | None = None
) -> None:
    audit_record(action=action, target=roll, actor=actor, changes=changes, data=data)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every month from ``first`` to ``last`` inclusive (first days)."""
    out, month = [], month_of(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def benefit_owed(benefit: Benefit, first: datetime.date, through: datetime.date) -> Decimal:
    """What ``benefit`` pays for the months ``first``..``through`` (its changes prefetched)."""
    if benefit.kind != BenefitKind.MONTHLY:
        return ZERO
    start = max(month_of(first), benefit.starts)
    return sum((benefit.amount_in(m) for m in months_between(start, through)), ZERO)


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
    if month > add_months(_today(), 1):
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
    roll.generated_at, roll.generated_by = _now(), actor
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


@transaction.atomic
def roll_freeze(*, roll: PaymentRoll, actor: Staff) -> PaymentRoll:
    """The township head reviews and freezes the roll: it goes to the finance bureau and
    never changes again; the deductions it applied are settled against their orders."""
    _require(actor, "act_approver", roll.township_id, ERR_NOT_APPROVER)
    roll = PaymentRoll.objects.select_for_update().get(pk=roll.pk)
    if roll.is_frozen:
        raise ValidationError(ERR_FROZEN)
    if roll.generated_by_id == actor.pk:
        raise PermissionDenied(ERR_SAME_PERSON)
    applied = list(LineDeduction.objects.filter(line__roll=roll).select_related("deduction"))
    orders = {
        d.pk: d
        for d in Deduction.objects.select_for_update().filter(pk__in={a.deduction_id for a in applied}).order_by("pk")
    }
    taken: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in applied:
        taken[a.deduction_id] += a.amount
    for pk, amount in taken.items():
        order = orders[pk]
        if order.status != Deduction.Status.OPEN or amount > order.remaining:
            raise ValidationError(ERR_DEDUCTION_STALE)
        order.remaining -= amount
        if order.remaining == ZERO:
            order.status = Deduction.Status.SETTLED
        order.save(update_fields=["remaining", "status"])
    roll.status, roll.frozen_at, roll.frozen_by = RollStatus.FROZEN, _now(), actor
    roll.save(update_fields=["status", "frozen_at", "frozen_by"])
    _audit(
        roll,
        "payroll.freeze",
        actor,
        changes={"status": [RollStatus.DRAFT, RollStatus.FROZEN]},
        data={"month": f"{roll.month:%Y-%m}", "total_amount": roll.total_amount, "line_count": roll.line_count},
    )
    return roll


@transaction.atomic
def line_return(*, line: PaymentRollLine, reason: str, actor: Staff) -> PaymentRollLine:
    """Record a payment the bank returned (e.g. a closed account)."""
    line = PaymentRollLine.objects.select_for_update().select_related("roll").get(pk=line.pk)
    _require(actor, "act_case_worker", line.roll.township_id, ERR_NOT_CASE_WORKER)
    if not line.roll.is_frozen:
        raise ValidationError(ERR_NOT_FROZEN)
    if line.returned_at is not None:
        raise ValidationError(ERR_ALREADY_RETURNED)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(ERR_REASON_REQUIRED)
    line.returned_at, line.returned_reason = _now(), reason[:200]
    line.save(update_fields=["returned_at", "returned_reason"])
    _audit(
        line.roll,
        "payroll.line_returned",
        actor,
        changes={"returned": [False, True]},
        data={"line": line.pk, "payee": line.payee_name, "amount": line.amount, "reason": line.returned_reason},
    )
    return line


@transaction.atomic
def line_reissue_ready(*, line: PaymentRollLine, bank_account: str, actor: Staff) -> PaymentRollLine:
    """The household's account is corrected: record it, and the next roll reissues the
    returned payment."""
    line = PaymentRollLine.objects.select_for_update().select_related("roll", "household").get(pk=line.pk)
    _require(actor, "act_case_worker", line.roll.township_id, ERR_NOT_CASE_WORKER)
    if line.returned_at is None:
        raise ValidationError(ERR_NOT_RETURNED)
    if line.reissue_ready or PaymentRollLine.objects.filter(reissue_of=line).exists():
        raise ValidationError(ERR_ALREADY_REISSUED)
    account = "".join((bank_account or "").split())
    if not account:
        raise ValidationError(ERR_ACCOUNT_REQUIRED)
    if account == line.bank_account:
        raise ValidationError(ERR_ACCOUNT_UNCHANGED)
    household = line.household
    old_account = household.bank_account
    household.bank_account = account
    household.save(update_fields=["bank_account"])
    line.reissue_ready = True
    line.save(update_fields=["reissue_ready"])
    _audit(
        line.roll,
        "payroll.reissue_ready",
        actor,
        changes={"bank_account": [old_account, account]},
        data={"line": line.pk, "household": household.pk},
    )
    return line


@transaction.atomic
def deduction_order(
    *,
    household: Household,
    amount: Decimal,
    reason: str,
    actor: Staff,
    monthly_cap: Decimal | None = None,
    case_number: str = "",
) -> Deduction:
    """A recovery decision (SAI 68) to deduct ``amount`` from the household's future
    payments; the township approver decides it."""
    _require(actor, "act_approver", household.township_id, ERR_NOT_APPROVER)
    amount = round_to_fen(amount)
    if amount <= ZERO:
        raise ValidationError(ERR_DEDUCTION_AMOUNT)
    cap = round_to_fen(monthly_cap) if monthly_cap not in (None, "") else None
    if cap is not None and cap <= ZERO:
        raise ValidationError(ERR_DEDUCTION_AMOUNT)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(ERR_REASON_REQUIRED)
    order = Deduction.objects.create(
        household=household,
        township_id=household.township_id,
        amount=amount,
        remaining=amount,
        monthly_cap=cap,
        reason=reason,
        case_number=case_number,
        created_by=actor,
    )
    audit_record(
        action="payroll.deduction_ordered",
        target=order,
        actor=actor,
        changes={"remaining": [None, amount]},
        data={"household": household.pk, "reason": reason, "monthly_cap": cap},
    )
    return order


def may_view_roll(user: AnyUser, roll: PaymentRoll) -> bool:
    """Township staff of the roll's township, county staff of its county."""
    return (
        holds(user, "view_township_cases", township=roll.township_id)
        or holds(user, "view_county_cases", county=roll.county_id)
        or holds(user, "audit_county", county=roll.county_id)
    )


@transaction.atomic
def roll_export_record(*, roll: PaymentRoll, fmt: str, reason: str, actor: Staff) -> None:
    """Log the export of a frozen roll with full ID and account numbers (PIPL: who, when,
    why), before the file is produced."""
    if not may_view_roll(actor, roll) or not (
        holds(actor, "act_case_worker", township=roll.township_id)
        or holds(actor, "act_approver", township=roll.township_id)
        or holds(actor, "act_county_officer", county=roll.county_id)
    ):
        raise PermissionDenied(ERR_NOT_TOWNSHIP_STAFF)
    if not roll.is_frozen:
        raise ValidationError(ERR_NOT_FROZEN)
    reason = clean_reason(reason)
    _audit(
        roll,
        "payroll.exported",
        actor,
        data={"format": fmt, "reason": reason, "line_count": roll.line_count, "fields": ["id_number", "bank_account"]},
    )


__all__ = [
    "benefit_owed",
    "deduction_order",
    "line_reissue_ready",
    "line_return",
    "may_view_roll",
    "months_between",
    "roll_export_record",
    "roll_freeze",
    "roll_generate",
]

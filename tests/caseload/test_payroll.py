"""The monthly payment roll (发放名册): domain.md §8 "Monthly payment" (YKT19: benefits paid
monthly through the finance bureau's 一卡通 channel; late starts paid as arrears;
recoveries deducted; returned payments reissued once the account is corrected) and
SAI 68 (recovery of wrongly paid money)."""

from __future__ import annotations

import csv
import datetime
import io
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests import factories
from tests.documents.glyphs import pdf_text_compact
from tests.temporary_assistance.conftest import fund_a, household_a  # noqa: F401 - fixtures
from workflows.caseload.models import Benefit, BenefitChange, BenefitStatus, ChangeKind, Ground
from workflows.caseload.months import add_months
from workflows.core.models import AuditEvent
from workflows.payroll import services
from workflows.payroll.models import Deduction, LineKind, PaymentRoll, PaymentRollLine, RollStatus

JAN = datetime.date(2027, 1, 1)
D = Decimal


def open_benefit(township, *, amount="600.00", starts=JAN, kind="monthly"):
    """A benefit in force as ``benefit_open`` records it (its opening history row), without
    a case behind it: the roll reads benefits, not cases, and hundreds are needed here."""
    household = factories.HouseholdFactory(village=factories.VillageFactory(township=township))
    factories.MemberFactory(household=household)
    benefit = Benefit.objects.create(
        household=household, programme="dibao", kind=kind, monthly_amount=D(amount), starts=starts,
        status=BenefitStatus.IN_FORCE, county=township.county, township=township,
    )  # fmt: skip
    BenefitChange.objects.create(
        benefit=benefit, kind=ChangeKind.OPEN, ground=Ground.APPROVED, reasons="经审核确认享受。",
        new_amount=D(amount), new_status=BenefitStatus.IN_FORCE, decided_on=starts - datetime.timedelta(days=5),
        effective_month=starts,
    )  # fmt: skip
    return benefit


@pytest.fixture
def today(monkeypatch):
    """Pin "today" (the roll for a month is generated in that month)."""

    def at(month: datetime.date):
        monkeypatch.setattr(services, "_today", lambda: month.replace(day=20))

    at(JAN)
    return at


def change(benefit, *, kind, ground, amount, status, month):
    """A decision in the benefit's history taking effect from ``month``."""
    return BenefitChange.objects.create(
        benefit=benefit, kind=kind, ground=ground, reasons="书面理由。", old_amount=benefit.monthly_amount,
        new_amount=D(amount), new_status=status, decided_on=add_months(month, -1), effective_month=month,
    )  # fmt: skip


def roll_month(township, month, worker, head, today):
    today(month)
    roll = services.roll_generate(township=township, month=month, actor=worker)
    return services.roll_freeze(roll=roll, actor=head)


def benefit_lines(roll):
    return {line.benefit_id: line for line in roll.lines.filter(kind=LineKind.BENEFIT)}


def test_a_roll_pays_every_monthly_benefit_in_force(region, case_worker_a, today):
    """YKT19: the township's roll lists each benefit in force with its monthly amount;
    recognitions (no cash) and other townships' benefits are not on it."""
    a = open_benefit(region.township_a, amount="600.00", starts=JAN)
    b = open_benefit(region.township_a, amount="1230.50", starts=JAN)
    open_benefit(region.township_a, amount="0.00", starts=JAN, kind="recognition")
    open_benefit(region.township_b, amount="700.00", starts=JAN)
    roll = services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    lines = benefit_lines(roll)
    assert set(lines) == {a.pk, b.pk}
    assert lines[b.pk].amount == D("1230.50") and lines[b.pk].arrears == 0
    assert roll.total_amount == D("1830.50") and roll.line_count == 2
    assert lines[a.pk].payee_id_number == a.household.head.id_number


def test_a_late_start_is_paid_as_arrears(region, case_worker_a, approver_a, today):
    """A benefit approved in March that runs from February gets February as arrears in the
    March roll (domain.md §8: late starts are paid as arrears)."""
    open_benefit(region.township_a, amount="500.00", starts=JAN)
    roll_month(region.township_a, JAN, case_worker_a, approver_a, today)
    feb, mar = add_months(JAN, 1), add_months(JAN, 2)
    roll_month(region.township_a, feb, case_worker_a, approver_a, today)
    late = open_benefit(region.township_a, amount="600.00", starts=feb)
    today(mar)
    roll = services.roll_generate(township=region.township_a, month=mar, actor=case_worker_a)
    line = benefit_lines(roll)[late.pk]
    assert (line.current, line.arrears, line.amount) == (D("600.00"), D("600.00"), D("1200.00"))
    assert roll.total_arrears == D("600.00")


def test_months_before_the_first_roll_are_not_owed(region, case_worker_a, today):
    """Months before the township's first roll in this system were paid by the previous
    system: no arrears are invented for them."""
    old = open_benefit(region.township_a, amount="500.00", starts=datetime.date(2025, 6, 1))
    roll = services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    assert benefit_lines(roll)[old.pk].arrears == 0


def test_a_change_after_freezing_goes_to_the_next_roll(region, case_worker_a, approver_a, today):
    """A retroactive increase decided after January's roll was frozen leaves that roll as it
    was and pays the difference in February's."""
    b = open_benefit(region.township_a, amount="500.00", starts=JAN)
    jan = roll_month(region.township_a, JAN, case_worker_a, approver_a, today)
    change(b, kind=ChangeKind.INCREASE, ground=Ground.INCOME_DECREASED, amount="650.00",
           status=BenefitStatus.IN_FORCE, month=JAN)  # fmt: skip
    assert benefit_lines(jan)[b.pk].amount == D("500.00")
    today(add_months(JAN, 1))
    feb = services.roll_generate(township=region.township_a, month=add_months(JAN, 1), actor=case_worker_a)
    line = benefit_lines(feb)[b.pk]
    assert (line.current, line.arrears) == (D("650.00"), D("150.00"))


def test_a_frozen_roll_cannot_change(region, case_worker_a, approver_a, today):
    """Once the township head froze it, the roll is what was sent: no regeneration, no
    edit of a line, no second freeze."""
    open_benefit(region.township_a, amount="500.00", starts=JAN)
    roll = roll_month(region.township_a, JAN, case_worker_a, approver_a, today)
    with pytest.raises(ValidationError):
        services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    with pytest.raises(ValidationError):
        services.roll_freeze(roll=roll, actor=approver_a)
    line = roll.lines.get()
    line.amount = D("1.00")
    line.current = D("1.00")
    with pytest.raises(ValidationError):
        line.save()
    assert PaymentRollLine.objects.get(pk=line.pk).amount == D("500.00")


def test_a_draft_is_regenerated_from_the_benefits(region, case_worker_a, today):
    """Until frozen, a roll can be regenerated: a benefit opened since appears, nothing is
    listed twice."""
    open_benefit(region.township_a, amount="500.00", starts=JAN)
    services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    open_benefit(region.township_a, amount="300.00", starts=JAN)
    roll = services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    assert roll.line_count == 2 == roll.lines.count() and roll.total_amount == D("800.00")


def test_rolls_go_forward_month_by_month(region, case_worker_a, approver_a, today):
    """February waits for January's freeze; an earlier month cannot be rolled after a later
    one (either would pay a month twice)."""
    open_benefit(region.township_a, amount="500.00", starts=JAN)
    today(add_months(JAN, 1))
    services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    with pytest.raises(ValidationError):
        services.roll_generate(township=region.township_a, month=add_months(JAN, 1), actor=case_worker_a)
    PaymentRoll.objects.all().delete()
    services.roll_generate(township=region.township_a, month=add_months(JAN, 1), actor=case_worker_a)
    with pytest.raises(ValidationError):
        services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)


def test_no_roll_for_a_month_beyond_next(region, case_worker_a, today):
    with pytest.raises(ValidationError):
        services.roll_generate(township=region.township_a, month=add_months(JAN, 2), actor=case_worker_a)


def test_only_the_townships_approver_freezes_and_not_the_person_who_generated(
    region, case_worker_a, approver_a, approver_b, today
):
    """The township head reviews what the case worker prepared: a case worker cannot
    freeze, another township's approver cannot, and the approver who generated the roll
    cannot freeze it either."""
    open_benefit(region.township_a, amount="500.00", starts=JAN)
    roll = services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    for who in (case_worker_a, approver_b):
        with pytest.raises(PermissionDenied):
            services.roll_freeze(roll=roll, actor=who)
    roll = services.roll_generate(township=region.township_a, month=JAN, actor=approver_a)
    with pytest.raises(PermissionDenied):
        services.roll_freeze(roll=roll, actor=approver_a)
    assert PaymentRoll.objects.get(pk=roll.pk).status == RollStatus.DRAFT


def test_another_township_cannot_generate(region, case_worker_b, today):
    with pytest.raises(PermissionDenied):
        services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_b)
    assert not PaymentRoll.objects.exists()


def test_recoveries_are_deducted_within_the_cap_and_never_below_zero(region, case_worker_a, approver_a, today):
    """SAI 68: a recovery decision is deducted from the household's payments, at most the
    monthly cap, never making a payment negative, until it is settled."""
    b = open_benefit(region.township_a, amount="300.00", starts=JAN)
    order = services.deduction_order(
        household=b.household, amount="700.00", monthly_cap="250.00", reason="抽查撤销追回", actor=approver_a
    )
    paid = []
    month = JAN
    for _ in range(4):
        roll = roll_month(region.township_a, month, case_worker_a, approver_a, today)
        paid.append(benefit_lines(roll)[b.pk].deduction)
        month = add_months(month, 1)
    assert paid == [D("250.00"), D("250.00"), D("200.00"), D("0.00")]
    order.refresh_from_db()
    assert order.remaining == 0 and order.status == Deduction.Status.SETTLED
    big = services.deduction_order(household=b.household, amount="5000.00", reason="追回", actor=approver_a)
    roll = roll_month(region.township_a, month, case_worker_a, approver_a, today)
    line = benefit_lines(roll)[b.pk]
    assert (line.deduction, line.amount) == (D("300.00"), D("0.00"))
    big.refresh_from_db()
    assert big.remaining == D("4700.00")


def test_a_deduction_needs_an_approver_amount_and_reason(region, case_worker_a, approver_a):
    b = open_benefit(region.township_a)
    with pytest.raises(PermissionDenied):
        services.deduction_order(household=b.household, amount="10", reason="追回", actor=case_worker_a)
    for amount, reason in (("0", "追回"), ("-5", "追回"), ("10", "  ")):
        with pytest.raises(ValidationError):
            services.deduction_order(household=b.household, amount=amount, reason=reason, actor=approver_a)
    assert not Deduction.objects.exists()


def test_a_returned_payment_is_reissued_once_the_account_is_corrected(region, case_worker_a, approver_a, today):
    """A payment returned by the bank (closed account) is reissued in the next roll once the
    account is corrected, to the new account, once."""
    b = open_benefit(region.township_a, amount="500.00", starts=JAN)
    b.household.bank_account = "6228480000000000011"
    b.household.save()
    jan = roll_month(region.township_a, JAN, case_worker_a, approver_a, today)
    line = jan.lines.get()
    with pytest.raises(ValidationError):
        services.line_reissue_ready(line=line, bank_account="6228480000000000029", actor=case_worker_a)
    services.line_return(line=line, reason="账户已销户", actor=case_worker_a)
    with pytest.raises(ValidationError):
        services.line_return(line=line, reason="账户已销户", actor=case_worker_a)
    with pytest.raises(ValidationError):
        services.line_reissue_ready(line=line, bank_account="6228480000000000011", actor=case_worker_a)
    services.line_reissue_ready(line=line, bank_account="6228 4800 0000 0000 029", actor=case_worker_a)
    feb = roll_month(region.township_a, add_months(JAN, 1), case_worker_a, approver_a, today)
    reissue = feb.lines.get(kind=LineKind.REISSUE)
    assert (reissue.amount, reissue.bank_account, reissue.reissue_of_id) == (
        D("500.00"), "6228480000000000029", line.pk
    )  # fmt: skip
    assert benefit_lines(feb)[b.pk].amount == D("500.00")  # February itself, not changed by the reissue
    mar = roll_month(region.township_a, add_months(JAN, 2), case_worker_a, approver_a, today)
    assert not mar.lines.filter(kind=LineKind.REISSUE).exists()


def test_totals_reconcile_with_the_benefits_over_24_generated_months(region, case_worker_a, approver_a, today):
    """Over 24 months of starts, late approvals, increases, reductions, suspensions, stops
    and recoveries, what the frozen rolls paid for each benefit equals what the benefit
    owed month by month, every roll's total is the sum of its lines, and what was deducted
    is what the recovery orders lost."""
    rng = random.Random(20270101)
    township = region.township_a
    benefits, orders = [], []
    month = JAN
    for n in range(24):
        # new benefits this month, some approved late with an earlier start (arrears)
        for _ in range(rng.randint(0, 3)):
            starts = add_months(month, -rng.choice([0, 0, 1, 2])) if n else month
            benefits.append(
                open_benefit(township, amount=f"{rng.randint(100, 900)}.{rng.randint(0, 99):02d}", starts=starts)
            )
        # decisions taking effect next month (never retroactive reductions)
        for b in rng.sample(benefits, k=min(len(benefits), 2)):
            effective = add_months(month, 1)
            latest = b.changes.order_by("effective_month", "pk").last()
            if latest.effective_month > effective or latest.new_status == BenefitStatus.STOPPED:
                continue
            roll = rng.random()
            if roll < 0.3:
                change(b, kind=ChangeKind.INCREASE, ground=Ground.INCOME_DECREASED,
                       amount=latest.new_amount + rng.randint(1, 200), status=BenefitStatus.IN_FORCE, month=effective)  # fmt: skip
            elif roll < 0.55:
                change(b, kind=ChangeKind.REDUCE, ground=Ground.INCOME_INCREASED,
                       amount=max(D("1.00"), latest.new_amount - rng.randint(1, 200)), status=BenefitStatus.IN_FORCE,
                       month=effective)  # fmt: skip
            elif roll < 0.7:
                change(b, kind=ChangeKind.SUSPEND, ground=Ground.REFUSED_RECHECK, amount=latest.new_amount,
                       status=BenefitStatus.SUSPENDED, month=effective)  # fmt: skip
            elif roll < 0.85:
                change(b, kind=ChangeKind.RESUME, ground=Ground.CIRCUMSTANCES_CLARIFIED, amount=latest.new_amount,
                       status=BenefitStatus.IN_FORCE, month=effective)  # fmt: skip
            else:
                change(b, kind=ChangeKind.STOP, ground=Ground.NO_LONGER_ELIGIBLE, amount=D("0.00"),
                       status=BenefitStatus.STOPPED, month=effective)  # fmt: skip
        # an occasional late increase reaching back one month (paid as arrears)
        if benefits and rng.random() < 0.3:
            b = rng.choice(benefits)
            latest = b.changes.order_by("effective_month", "pk").last()
            if latest.new_status == BenefitStatus.IN_FORCE and latest.effective_month <= add_months(month, -1):
                change(b, kind=ChangeKind.INCREASE, ground=Ground.STANDARD_CHANGED,
                       amount=latest.new_amount + 10, status=BenefitStatus.IN_FORCE, month=add_months(month, -1))  # fmt: skip
        if benefits and rng.random() < 0.2:
            orders.append(services.deduction_order(
                household=rng.choice(benefits).household, amount=f"{rng.randint(50, 900)}.00",
                monthly_cap=rng.choice([None, "100.00"]), reason="追回多发款", actor=approver_a,
            ))  # fmt: skip
        roll = roll_month(township, month, case_worker_a, approver_a, today)
        lines = list(roll.lines.all())
        assert roll.total_amount == sum((x.amount for x in lines), D("0"))
        assert roll.total_deductions == sum((x.deduction for x in lines), D("0"))
        assert all(x.amount >= 0 for x in lines)
        month = add_months(month, 1)
    last = add_months(month, -1)
    assert len(benefits) > 20
    for b in benefits:
        b.refresh_from_db()
        rolled = sum((x.current + x.arrears for x in b.roll_lines.filter(kind=LineKind.BENEFIT)), D("0"))
        assert rolled == services.benefit_owed(b, JAN, last), b
    deducted = sum((x.deduction for x in PaymentRollLine.objects.all()), D("0"))
    assert deducted == sum((o.amount - Deduction.objects.get(pk=o.pk).remaining for o in orders), D("0"))


def test_county_paid_temporary_assistance_instalments_are_on_the_roll(
    region,
    case_worker_a,
    county_officer,
    household_a,  # noqa: F811
    fund_a,  # noqa: F811
    today,
):
    """TA18 3(3): an instalment the county pays goes out with the township's roll of that
    month; the township's reserve fund, which pays in cash at once, is not touched."""
    from django.utils import timezone

    from tests.temporary_assistance.helpers import do, file_case
    from workflows.temporary_assistance import services as ta_services
    from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
    from workflows.temporary_assistance.models import Payment

    process = file_case(case_worker_a, household_a, requested_amount=D("2500.00"))
    do(process, F.county_approve, county_officer, ta_services.case_county_approve, approve=True, amount=D("2500"))
    payment = Payment.objects.get(process=process)
    month = timezone.localtime(payment.paid_at).date().replace(day=1)
    today(month)
    roll = services.roll_generate(township=region.township_a, month=month, actor=case_worker_a)
    line = roll.lines.get(kind=LineKind.TA_INSTALMENT)
    assert (line.amount, line.ta_payment_id, line.household_id) == (D("2500.00"), payment.pk, household_a.pk)
    assert roll.total_amount == D("2500.00")


# --- pages -------------------------------------------------------------------------------


@pytest.fixture
def frozen_roll(region, case_worker_a, approver_a, today):
    for n in range(3):
        b = open_benefit(region.township_a, amount=f"{500 + n}.00", starts=JAN)
        b.household.bank_account = f"62284800000000000{n}1"
        b.household.save()
    return roll_month(region.township_a, JAN, case_worker_a, approver_a, today)


def test_the_export_needs_a_reason_and_is_logged(client_for, frozen_roll, case_worker_a):
    """PIPL / domain.md: the finance-bureau file carries full ID and account numbers, so it is
    produced only after the staff member gave a reason, which the roll's history records."""
    client = client_for(case_worker_a)
    url = reverse("payroll:export", args=[frozen_roll.pk])
    response = client.post(url, {"format": "csv", "reason": ""})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action="payroll.exported").exists()
    response = client.post(url, {"format": "csv", "reason": "报送财政局一卡通发放"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["序号", "姓名", "身份证号码", "银行账号"]
    line = frozen_roll.lines.order_by("pk").first()
    assert rows[1][2] == line.payee_id_number and rows[1][3] == line.bank_account
    assert rows[1][4] == f"{line.amount:.2f}" and rows[1][7] == "2027-01"
    event = AuditEvent.objects.get(action="payroll.exported")
    assert event.actor == case_worker_a and event.data["reason"] == "报送财政局一卡通发放"
    response = client.post(url, {"format": "xlsx", "reason": "报送财政局一卡通发放"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][2] == line.payee_id_number and Decimal(str(values[1][4])) == line.amount
    assert len(values) == 1 + frozen_roll.line_count


def test_a_draft_roll_cannot_be_exported(client_for, region, case_worker_a, today):
    open_benefit(region.township_a, starts=JAN)
    roll = services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    response = client_for(case_worker_a).post(
        reverse("payroll:export", args=[roll.pk]), {"format": "csv", "reason": "报送财政局一卡通发放"}
    )
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action="payroll.exported").exists()


def test_the_printed_copy_and_the_page_mask_numbers(client_for, frozen_roll, case_worker_a):
    client = client_for(case_worker_a)
    line = frozen_roll.lines.order_by("pk").first()
    page = client.get(reverse("payroll:detail", args=[frozen_roll.pk])).content.decode()
    assert line.payee_name in page and line.payee_id_number not in page and line.bank_account not in page
    pdf = client.get(reverse("payroll:print", args=[frozen_roll.pk])).content
    text = pdf_text_compact(pdf)
    assert line.payee_name in text and line.payee_id_number not in text and line.bank_account not in text
    assert line.payee_id_number[-4:] in text and "1,503.00" in text


def test_other_townships_cannot_see_a_roll(client_for, frozen_roll, case_worker_b, county_officer):
    """Region isolation: another township gets 404 for the roll and its lines and does not
    see it in the list; the county sees it."""
    client = client_for(case_worker_b)
    for name in ("payroll:detail", "payroll:export", "payroll:print"):
        assert client.get(reverse(name, args=[frozen_roll.pk])).status_code == 404
    line = frozen_roll.lines.first()
    assert client.post(reverse("payroll:line_return", args=[line.pk]), {"reason": "x"}).status_code == 404
    assert "2027-01" not in client.get(reverse("payroll:list")).content.decode()
    assert "2027-01" in client_for(county_officer).get(reverse("payroll:list")).content.decode()


def test_generate_freeze_and_return_through_the_pages(client_for, region, case_worker_a, approver_a, today):
    """A case worker generates from the list page, the approver freezes on the roll page,
    the case worker records a returned payment: each a message, never a 500."""
    open_benefit(region.township_a, amount="500.00", starts=JAN)
    worker = client_for(case_worker_a)
    response = worker.post(reverse("payroll:generate"), {"township": region.township_a.pk, "month": "2027-01"})
    roll = PaymentRoll.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("payroll:detail", args=[roll.pk])
    bad = worker.post(reverse("payroll:generate"), {"township": region.township_a.pk, "month": "一月"}, follow=True)
    assert "请按“年-月”填写月份" in bad.content.decode()
    assert worker.post(reverse("payroll:freeze", args=[roll.pk]), follow=True).status_code == 200
    assert PaymentRoll.objects.get().status == RollStatus.DRAFT
    client_for(approver_a).post(reverse("payroll:freeze", args=[roll.pk]))
    assert PaymentRoll.objects.get().status == RollStatus.FROZEN
    line = roll.lines.get()
    worker = client_for(case_worker_a)  # one test client: log the case worker back in
    done = worker.post(reverse("payroll:line_return", args=[line.pk]), {"reason": "账户冻结"}, follow=True)
    assert "已登记退回" in done.content.decode(), done.content.decode()[-3000:]
    assert PaymentRollLine.objects.get(pk=line.pk).returned_reason == "账户冻结"


def test_roll_page_queries_do_not_grow_with_lines(
    client_for, region, case_worker_a, today, django_assert_max_num_queries
):
    open_benefit(region.township_a, starts=JAN)
    roll = services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    client = client_for(case_worker_a)
    url = reverse("payroll:detail", args=[roll.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(30):
        open_benefit(region.township_a, starts=JAN)
    services.roll_generate(township=region.township_a, month=JAN, actor=case_worker_a)
    with CaptureQueriesContext(connection) as big:
        client.get(url)
    assert len(big) == len(small)

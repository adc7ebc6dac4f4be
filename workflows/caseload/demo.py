"""Caseload demo: 青山镇's households already receiving help, after the decision (issue 17 item 10).

Made only through the caseload services, so the history rows, audit events and letters are
the real ones; every date is relative to the day the demo is seeded:

- seven recipients brought in from the "previous system" (``caseload_import``, as a county
  adopting the engine does) two months ago, so they are paid from last month and last
  month's payment roll has lines (``workflows/payroll/demo.py``); their last check dates
  make two re-checks due this week and one overdue (MSL 31), and list the phase-out's
  household (due in three weeks) so that its page is a click away;
- one of them reports a change of income today: a re-check opened at once;
- one found work: a phase-out (渐退, N22 1(3)) decided last month, running from this month;
- the first household approved through the dibao flow (the dibao demo's) has its benefit
  reduced today, with ground, reasons and a change letter (MSL 32) — the letter the
  appeal of ``workflows/appeals/demo.py`` contests;
- beat's daily job has opened the re-checks coming due.

Past steps run with the clock set back (``as_of``), the way ``dibao/demo.py`` moves it
forward to end a notice. Each step is skipped once done, so a second run adds nothing.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from workflows.core import programmes
from workflows.core.money import round_to_fen
from workflows.households.models import HouseholdMember
from workflows.households.validators import id_check_char

from . import services
from .models import Benefit, BenefitKind, ChangeKind, Ground, RecheckReason
from .months import add_months, month_of, months_after
from .services.imports import COLUMNS

TOWNSHIP = "qingshan"
VILLAGE = "青山村"
FILE_NAME = "示范县原系统在保名册.csv"
# Households brought in (applicant first). ``due``: days from today to the re-check (the last
# check date is set so the county's cadence lands there); ``checked``: months since the last
# check when the re-check is not meant to be due now.
STABLE, UNSTABLE = 12, 6  # months (MSL 31; the national defaults, no county rule in the demo)
DUE_SOON = "韩一（复核本周到期）"
DUE_SOON_2 = "杨二（复核本周到期）"
OVERDUE = "朱三（复核逾期）"
INCOME_CHANGE = "秦四（报告收入变化）"
PHASE_OUT = "尤五（渐退中）"
RETURNED = "许六（退回待重发）"
TEKUN = "吕七（特困）"
# name, programme word, amount, cadence, due in days | None, months since checked, members
#   member: name, birth, relation word, can work, disabled, student
HOUSEHOLDS = [
    (DUE_SOON, "低保", "620.00", STABLE, 3, None,
     [(DUE_SOON, "1950-03-12", "本人", 0, 0, 0), ("韩妻", "1952-07-01", "配偶", 0, 0, 0)]),
    (DUE_SOON_2, "低保", "540.00", UNSTABLE, 5, None,
     [(DUE_SOON_2, "1978-05-20", "本人", 1, 0, 0), ("杨妻", "1980-10-02", "配偶", 1, 0, 0),
      ("杨小二", "2012-09-01", "子女", 0, 0, 1)]),
    (OVERDUE, "低保", "380.00", UNSTABLE, -12, None,
     [(OVERDUE, "1970-09-09", "本人", 1, 0, 0), ("朱妻", "1972-01-15", "配偶", 0, 1, 0)]),
    (INCOME_CHANGE, "低保", "310.00", STABLE, None, 4, [(INCOME_CHANGE, "1956-02-02", "本人", 0, 0, 0)]),
    (PHASE_OUT, "低保", "450.00", UNSTABLE, 20, None,
     [(PHASE_OUT, "1985-06-18", "本人", 1, 0, 0), ("尤小五", "2015-03-03", "子女", 0, 0, 1)]),
    (RETURNED, "低保", "300.00", STABLE, None, 5, [(RETURNED, "1962-08-08", "本人", 0, 1, 0)]),
    (TEKUN, "特困", "520.00", STABLE, None, 2, [(TEKUN, "1945-11-11", "本人", 0, 1, 0)]),
]  # fmt: skip
PHASE_OUT_MONTHS = 3
PHASE_OUT_REASONS = (
    "户主经镇就业服务站介绍到县城物流园就业，月工资 2,600 元，家庭人均收入超过保障标准；给予 3 个月渐退期。"
)
REDUCE_REASONS = "经核实，申请人配偶自本月起领取城乡居民基本养老金每月 200 元，家庭人均收入增加，保障金相应减少。"


@contextmanager
def as_of(day: datetime.date, hour: int = 10) -> Iterator[None]:
    """Run the services as if it were ``day`` (demo only): what they date by the clock
    (decisions, audit events, rows' timestamps) is dated that day."""
    real_now = timezone.now
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    offset = moment - real_now()
    timezone.now = lambda: real_now() + offset
    try:
        yield
    finally:
        timezone.now = real_now


def staff(username: str):
    return get_user_model().objects.get(username=username)


def demo_benefit(township, applicant: str) -> Benefit | None:
    """The benefit of the demo household whose applicant is ``applicant``."""
    return (
        Benefit.objects.filter(
            township=township,
            household__members__relation=HouseholdMember.Relation.APPLICANT,
            household__members__name=applicant,
        )
        .order_by("pk")
        .first()
    )


def approved_benefit(township) -> Benefit | None:
    """The first monthly benefit an approval through the flow opened in ``township`` (the
    dibao demo's approved household; none when the demo ran without the registry sandbox),
    of a programme with a phase-out, i.e. one whose household may have earnings."""
    approved = Benefit.objects.filter(township=township, source_case__isnull=False, kind=BenefitKind.MONTHLY)
    return next((b for b in approved.order_by("pk") if programmes.spec(b.programme).recheck.phase_out_months), None)


def _id_number(birth: str, seq: int) -> str:
    first17 = f"990101{birth.replace('-', '')}{seq:03d}"
    return first17 + id_check_char(first17)


def caseload_file(township, today: datetime.date) -> bytes:
    """The previous system's export of these households (one row per member), as a county has it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(COLUMNS))
    yes = {1: "是", 0: "否"}
    seq = 900
    for _applicant, programme, amount, cadence, due_in, months_since, members in HOUSEHOLDS:
        if due_in is not None:
            checked = months_after(today + datetime.timedelta(days=due_in), -cadence)
        else:
            checked = months_after(today, -months_since)
        applicant_id = _id_number(members[0][1], seq + 1)
        for i, (member, birth, relation, can_work, disabled, student) in enumerate(members, start=1):
            writer.writerow([
                applicant_id, programme, township.name, VILLAGE, f"{VILLAGE}民和路{seq // 10}号", "农村", member,
                _id_number(birth, seq + i), relation, yes[can_work], yes[disabled], yes[student], amount, "2023-03",
                f"62179901010000{seq + 1:05d}", f"{checked:%Y-%m-%d}",
            ])  # fmt: skip
        seq += 10
    return out.getvalue().encode("utf-8")


def seed(region, stdout=None):
    township = region.townships[TOWNSHIP]
    today = timezone.localdate()
    last_month = add_months(month_of(today), -1)
    worker, approver = region.users[f"{TOWNSHIP}_worker"], region.users[f"{TOWNSHIP}_approver"]
    done = []

    if demo_benefit(township, DUE_SOON) is None:
        # Brought in two months ago: the engine pays them from the month after (last month).
        with as_of(add_months(last_month, -1).replace(day=15)):
            report = services.caseload_import(
                content=caseload_file(township, today), file_name=FILE_NAME, dry_run=False,
                actor=region.users["county_officer"],
            )  # fmt: skip
        done.append(f"{report.new} imported")

    benefit = demo_benefit(township, PHASE_OUT)
    if benefit is not None and not benefit.changes.filter(kind=ChangeKind.PHASE_OUT).exists():
        with as_of(last_month.replace(day=10)):
            services.benefit_phase_out(benefit=benefit, months=PHASE_OUT_MONTHS, reasons=PHASE_OUT_REASONS,
                                       actor=approver)  # fmt: skip
        done.append("a phase-out")

    benefit = demo_benefit(township, INCOME_CHANGE)
    # once, even after a demo user has concluded that re-check (a re-run only tops up)
    if benefit is not None and not benefit.rechecks.filter(reason=RecheckReason.INCOME_CHANGE).exists():
        services.recheck_on_income_change(household=benefit.household, reported_on=today, actor=worker)
        done.append("an income change")

    benefit = approved_benefit(township)
    if benefit is not None and not benefit.changes.filter(kind=ChangeKind.REDUCE).exists():
        services.benefit_change(
            benefit=benefit, kind=ChangeKind.REDUCE, ground=Ground.INCOME_INCREASED, reasons=REDUCE_REASONS,
            new_amount=round_to_fen(benefit.monthly_amount * Decimal("0.75")), actor=approver,
        )  # fmt: skip
        done.append("a reduction")

    opened = services.recheck_open_due(today=today)  # what beat does every morning
    if stdout:
        migrated = Benefit.objects.filter(township=township, changes__ground=Ground.MIGRATED).count()
        stdout.write(f"caseload: {migrated} households brought in; seeded now: {', '.join(done) or 'nothing (already seeded)'}"
                     + (f"; {opened} re-checks opened" if opened else ""))  # fmt: skip

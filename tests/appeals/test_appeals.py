"""Appeals against decision and change letters (domain.md §8 "Appeals"; SAI 65: every
letter states the right to reconsideration within 60 days and litigation within 6 months;
an overturned decision restores the benefit with arrears)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.caseload.conftest import open_benefit
from workflows.appeals import services
from workflows.appeals.models import Appeal, AppealKind, AppealStatus, Outcome, RedecisionProcess
from workflows.caseload.models import BenefitStatus, ChangeKind, Ground
from workflows.caseload.months import add_months, month_of
from workflows.caseload.services import benefit_change
from workflows.core.models import AuditEvent
from workflows.documents.models import CaseDocument
from workflows.payroll import services as payroll
from workflows.payroll.models import LineKind

D = Decimal


@pytest.fixture
def stopped(region, case_worker_a, approver_a):
    """A benefit of 600.00 a month stopped today (from next month), with its change letter."""
    today = timezone.localdate()
    benefit = open_benefit(case_worker_a, region.village_a, amount="600.00", starts=month_of(today))
    change = benefit_change(
        benefit=benefit, kind=ChangeKind.STOP, ground=Ground.NO_LONGER_ELIGIBLE,
        reasons="复核认定家庭收入超过保障标准。", actor=approver_a, on=today,
    )  # fmt: skip
    change.refresh_from_db()
    assert change.letter is not None
    return benefit, change


def record(letter, actor, *, kind=AppealKind.RECONSIDERATION, delivered=None, filed=None):
    today = timezone.localdate()
    return services.appeal_record(
        letter=letter, kind=kind, body="示范县人民政府", delivered_on=delivered or today, filed_on=filed or today,
        claims="请求撤销停保决定：家庭收入核算有误。", actor=actor,
    )  # fmt: skip


def test_deadlines_are_60_days_and_6_months_from_delivery():
    """行政复议法 art. 20 (60 days), 行政诉讼法 art. 46 (6 months), from receipt."""
    assert services.appeal_deadline(AppealKind.RECONSIDERATION, datetime.date(2027, 1, 10)) == datetime.date(
        2027, 3, 11
    )
    assert services.appeal_deadline(AppealKind.LITIGATION, datetime.date(2027, 1, 10)) == datetime.date(2027, 7, 10)
    assert services.appeal_deadline(AppealKind.LITIGATION, datetime.date(2027, 8, 31)) == datetime.date(2028, 2, 29)


def test_an_appeal_is_recorded_against_the_change_letter(stopped, case_worker_a):
    benefit, change = stopped
    appeal = record(change.letter, case_worker_a)
    assert appeal.benefit_change == change and appeal.process_id == benefit.source_case_id
    assert appeal.deadline == timezone.localdate() + datetime.timedelta(days=60) and not appeal.filed_late
    assert AuditEvent.objects.filter(action="appeals.recorded", process_id=benefit.source_case_id).exists()


def test_a_late_appeal_is_recorded_and_marked_late(stopped, case_worker_a, monkeypatch):
    """The appeal body decides whether to hear a late appeal; the township records it."""
    _, change = stopped
    later = timezone.localdate() + datetime.timedelta(days=70)
    monkeypatch.setattr(services, "_today", lambda: later)
    appeal = record(change.letter, case_worker_a, filed=later)
    assert appeal.filed_late


def test_bad_dates_other_letters_and_other_townships_are_refused(stopped, case_worker_a, case_worker_b):
    benefit, change = stopped
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        record(change.letter, case_worker_a, delivered=today, filed=today - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        record(change.letter, case_worker_a, delivered=today - datetime.timedelta(days=30))  # before the letter
    with pytest.raises(ValidationError):
        record(change.letter, case_worker_a, filed=today + datetime.timedelta(days=1))
    notice = CaseDocument.objects.create(
        process_id=benefit.source_case_id, kind=CaseDocument.Kind.PUBLIC_NOTICE, filename="n.pdf",
        sha256="0" * 64, size=1,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        record(notice, case_worker_a)
    with pytest.raises(PermissionDenied):
        record(change.letter, case_worker_b)
    assert not Appeal.objects.exists()


def test_an_overturned_stop_restores_the_benefit_with_arrears_in_the_next_roll(
    stopped, region, case_worker_a, approver_a, monkeypatch
):
    """The stop took effect next month and that month's roll paid nothing; the appeal body
    sets the stop aside; the benefit is in force again from that month, and the roll after
    pays the missed month as arrears."""
    benefit, change = stopped
    this_month = month_of(timezone.localdate())
    stop_month = change.effective_month
    assert stop_month == add_months(this_month, 1)

    def roll(month):
        monkeypatch.setattr(payroll, "_today", lambda: month)
        r = payroll.roll_generate(township=region.township_a, month=month, actor=case_worker_a)
        return payroll.roll_freeze(roll=r, actor=approver_a)

    assert roll(this_month).total_amount == D("600.00")
    assert roll(stop_month).line_count == 0
    appeal = record(change.letter, case_worker_a)
    services.appeal_decide(
        appeal=appeal, outcome=Outcome.OVERTURNED, outcome_on=timezone.localdate(),
        text="示范县人民政府行政复议决定书（示复决字〔2026〕1号）：撤销停保决定。", actor=approver_a,
    )  # fmt: skip
    appeal.refresh_from_db()
    benefit.refresh_from_db()
    assert appeal.status == AppealStatus.DECIDED and appeal.restored_change.kind == ChangeKind.RESTORE
    assert appeal.restored_change.effective_month == stop_month and appeal.restored_change.letter is not None
    assert (benefit.status, benefit.monthly_amount, benefit.until) == (BenefitStatus.IN_FORCE, D("600.00"), None)
    line = roll(add_months(stop_month, 1)).lines.get(kind=LineKind.BENEFIT)
    assert (line.current, line.arrears) == (D("600.00"), D("600.00"))


def test_a_changed_decision_sets_the_amount_the_body_decided(stopped, case_worker_a, approver_a):
    benefit, change = stopped
    appeal = record(change.letter, case_worker_a)
    with pytest.raises(ValidationError):
        services.appeal_decide(appeal=appeal, outcome=Outcome.CHANGED, outcome_on=timezone.localdate(),
                               text="变更", actor=approver_a)  # fmt: skip
    services.appeal_decide(appeal=appeal, outcome=Outcome.CHANGED, outcome_on=timezone.localdate(),
                           text="变更为每月450元", amount=D("450.00"), actor=approver_a)  # fmt: skip
    benefit.refresh_from_db()
    assert (benefit.status, benefit.monthly_amount) == (BenefitStatus.IN_FORCE, D("450.00"))


def test_upheld_changes_nothing_and_an_outcome_is_recorded_once(stopped, case_worker_a, approver_a):
    benefit, change = stopped
    appeal = record(change.letter, case_worker_a)
    services.appeal_decide(appeal=appeal, outcome=Outcome.UPHELD, outcome_on=timezone.localdate(),
                           text="维持原决定", actor=approver_a)  # fmt: skip
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.STOPPED
    with pytest.raises(ValidationError):
        services.appeal_decide(appeal=appeal, outcome=Outcome.OVERTURNED, outcome_on=timezone.localdate(),
                               text="撤销", actor=approver_a)  # fmt: skip


def test_an_order_to_decide_again_gives_a_due_date(stopped, case_worker_a, approver_a):
    _, change = stopped
    appeal = record(change.letter, case_worker_a)
    today = timezone.localdate()
    services.appeal_decide(appeal=appeal, outcome=Outcome.REDECIDE, outcome_on=today, text="责令重新作出决定",
                           actor=approver_a)  # fmt: skip
    appeal.refresh_from_db()
    assert appeal.redecide_by is not None and appeal.redecide_by > today + datetime.timedelta(days=15)
    # a change letter is not a refused case: no re-decision case opens (test_redecision.py)
    assert not RedecisionProcess.objects.filter(appeal=appeal).exists()


def test_recording_through_the_pages(client_for, stopped, case_worker_a, case_worker_b):
    """The case worker finds the case by its number, picks the letter, records the appeal;
    another township's worker finds nothing and sees no appeal."""
    benefit, change = stopped
    client = client_for(case_worker_a)
    page = client.get(reverse("appeals:new"), {"case": benefit.case_number}).content.decode()
    assert "保障变更决定书" in page
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("appeals:new"),
        {"case": benefit.case_number, "letter": change.letter_id, "kind": "reconsideration", "body": "示范县人民政府",
         "delivered_on": today, "filed_on": today, "claims": "请求撤销停保决定"},
    )  # fmt: skip
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("appeals:detail", args=[appeal.pk])
    assert benefit.case_number in client.get(reverse("appeals:list")).content.decode()
    other = client_for(case_worker_b)
    assert "没有找到" in other.get(reverse("appeals:new"), {"case": benefit.case_number}).content.decode()
    assert other.get(reverse("appeals:detail", args=[appeal.pk])).status_code == 404
    assert benefit.case_number not in other.get(reverse("appeals:list")).content.decode()

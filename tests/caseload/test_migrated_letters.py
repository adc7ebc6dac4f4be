"""A benefit brought in from the county's former system (issue 17 item 9: ``Ground.MIGRATED``,
no workflow case behind it) is changed like any other: every reduction, suspension or stop
gets its change letter with the lawful ground, the written reasons and the appeal rights
(MSL 32; SAI 65: 行政复议 within 60 days, 行政诉讼 within 6 months), verifiable by its QR
code; the letter is anchored on the household and printed with the benefit's own stable
reference, against which an appeal is recorded; setting the change aside restores the
benefit with arrears, exactly as for a benefit opened by an approval."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Process

from workflows.appeals import services as appeals
from workflows.appeals.models import Appeal, AppealKind, AppealStatus, Outcome
from workflows.caseload import services
from workflows.caseload.models import Benefit, BenefitStatus, ChangeKind, Ground
from workflows.caseload.months import add_months, month_of
from workflows.core.models import AuditEvent
from workflows.documents.models import CaseDocument
from workflows.payroll import services as payroll
from workflows.payroll.models import LineKind

from .test_import import _csv, _ids, _rows
from .test_letters import CHANGES, ON, assert_change_letter_text

D = Decimal


@pytest.fixture
def migrated(region, county_officer) -> Benefit:
    """The elderly couple's dibao of 600.00 a month (青山镇), brought in by the import."""
    services.caseload_import(content=_csv(_rows()), file_name="名册.csv", dry_run=False, actor=county_officer)
    benefit = Benefit.objects.get(programme="dibao")
    assert benefit.source_case_id is None and benefit.changes.get().ground == Ground.MIGRATED
    return benefit


@pytest.mark.parametrize(("kind", "ground", "amount", "phrases"), CHANGES)
def test_every_change_of_a_migrated_benefit_gets_its_letter(migrated, approver_a, kind, ground, amount, phrases):
    """MSL 32; SAI 65: the same text checks as a case-backed change letter: the change, the
    month, the lawful ground, the written reasons, the 60-day / 6-month rights, the issuing
    township; anchored on the household under the benefit's reference, with its QR code."""
    processes = Process.objects.count()
    change = services.benefit_change(
        benefit=migrated, kind=kind, ground=ground, reasons="第一条理由。\n第二条理由。", new_amount=amount,
        actor=approver_a, on=ON,
    )  # fmt: skip
    migrated.refresh_from_db()
    letter = change.letter
    assert letter is not None and letter.kind == CaseDocument.Kind.BENEFIT_CHANGE and letter.verifiable
    assert letter.process_id is None and letter.household_id == migrated.household_id
    assert re.fullmatch(r"DB-990101001-\d{4}-M\d{6}", migrated.case_number)
    assert letter.case_number == migrated.case_number and letter.township_name == "青山镇"
    assert letter.holder_masked == "王*汉"
    assert migrated.case_number in assert_change_letter_text(letter, ground, phrases)
    assert Process.objects.count() == processes  # still no fabricated workflow case


def test_the_reference_is_given_once_and_kept(migrated, approver_a):
    """The benefit is numbered at its first letter (audited) and every later letter keeps
    the number; an approval-opened benefit keeps its case number (tests/caseload/test_letters)."""
    first = services.benefit_change(benefit=migrated, kind=ChangeKind.REDUCE, ground=Ground.INCOME_INCREASED,
                                    reasons="收入增加。", new_amount=D("500.00"), actor=approver_a, on=ON)  # fmt: skip
    migrated.refresh_from_db()
    number = migrated.case_number
    second = services.benefit_change(benefit=migrated, kind=ChangeKind.SUSPEND, ground=Ground.REFUSED_RECHECK,
                                     reasons="拒不配合复核。", actor=approver_a, on=ON)  # fmt: skip
    migrated.refresh_from_db()
    assert migrated.case_number == number == first.letter.case_number == second.letter.case_number
    assert first.letter_id != second.letter_id
    numbered = AuditEvent.objects.filter(action="caseload.benefit_numbered")
    assert numbered.count() == 1 and numbered.get().changes == {"case_number": ["", number]}


def test_a_document_has_exactly_one_anchor(migrated):
    """Negative: a document with neither a case nor a household, or with both, is refused by
    the database."""
    common = {"kind": CaseDocument.Kind.OTHER, "filename": "x.pdf", "sha256": "0" * 64, "size": 1}
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseDocument.objects.create(**common)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseDocument.objects.create(process_id=1, household=migrated.household, **common)


def test_the_qr_page_verifies_the_letter_and_shows_no_personal_data(migrated, approver_a):
    """The public verification page shows what it shows for a case letter (kind, number,
    township, date, masked name) and nothing else: no full name, ID number, account or
    address."""
    change = services.benefit_change(benefit=migrated, kind=ChangeKind.STOP, ground=Ground.MOVED_AWAY,
                                     reasons="户籍迁出。", actor=approver_a, on=ON)  # fmt: skip
    migrated.refresh_from_db()
    response = Client().get(f"/verify/{change.letter.token}/")
    page = response.content.decode()
    assert response.status_code == 200 and 'data-status="valid"' in page
    assert migrated.case_number in page and "青山镇" in page and "王*汉" in page and "保障变更决定书" in page
    for secret in ("王老汉", "李秀英", _ids()["old"], "6217000012345678", "青山村一组"):
        assert secret not in page
    assert Client().get(f"/verify/{'z' * 32}/").status_code == 404


def test_the_household_page_lists_the_letter_for_its_township_only(
    migrated, approver_a, client_for, case_worker_b, county_officer
):
    """The benefit page shows the reference and links the letter; the download is the
    township's and the county's, another township gets 404 for the page and the file."""
    change = services.benefit_change(benefit=migrated, kind=ChangeKind.STOP, ground=Ground.MOVED_AWAY,
                                     reasons="户籍迁出。", actor=approver_a, on=ON)  # fmt: skip
    migrated.refresh_from_db()
    download = reverse("documents:download", args=[change.letter_id])
    page = client_for(approver_a).get(reverse("caseload:household", args=[migrated.household_id])).content.decode()
    assert migrated.case_number in page and download in page
    assert f"{reverse('appeals:new')}?case={migrated.case_number}" in page
    assert client_for(approver_a).get(download).status_code == 200
    assert client_for(county_officer).get(download).status_code == 200
    assert AuditEvent.objects.filter(action="document.downloaded").count() == 2
    other = client_for(case_worker_b)  # the same client, now logged in as the other township's worker
    assert other.get(download).status_code == 404
    assert other.get(reverse("caseload:household", args=[migrated.household_id])).status_code == 404


def _roll(region, month, worker, approver, monkeypatch):
    monkeypatch.setattr(payroll, "_today", lambda: month)
    roll = payroll.roll_generate(township=region.township_a, month=month, actor=worker)
    return payroll.roll_freeze(roll=roll, actor=approver)


def test_an_appeal_against_a_migrated_stop_is_recorded_and_setting_it_aside_pays_arrears(
    migrated, region, client_for, case_worker_a, approver_a, case_worker_b, monkeypatch
):
    """SAI 65: the worker finds the stop letter by the benefit's reference and records the
    reconsideration (deadline 60 days from delivery); the stop is set aside; the benefit is
    in force again from the month the stop took effect and the roll after pays the missed
    month as arrears. Another township's worker finds nothing."""
    today = timezone.localdate()
    this_month = month_of(today)
    change = services.benefit_change(benefit=migrated, kind=ChangeKind.STOP, ground=Ground.NO_LONGER_ELIGIBLE,
                                     reasons="复核认定家庭收入超过保障标准。", actor=approver_a, on=today)  # fmt: skip
    migrated.refresh_from_db()
    stop_month = change.effective_month
    assert stop_month == add_months(this_month, 1)
    assert _roll(region, stop_month, case_worker_a, approver_a, monkeypatch).line_count == 0

    # ``client_for`` logs one test client in as the user given: call it again to switch
    assert (
        "没有找到"
        in client_for(case_worker_b).get(reverse("appeals:new"), {"case": migrated.case_number}).content.decode()
    )
    client = client_for(case_worker_a)
    page = client.get(reverse("appeals:new"), {"case": migrated.case_number}).content.decode()
    assert "保障变更决定书" in page and migrated.case_number in page
    response = client.post(
        reverse("appeals:new"),
        {"case": migrated.case_number, "letter": change.letter_id, "kind": AppealKind.RECONSIDERATION,
         "body": "示范县人民政府", "delivered_on": today.isoformat(), "filed_on": today.isoformat(),
         "claims": "请求撤销停保决定"},
    )  # fmt: skip
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("appeals:detail", args=[appeal.pk])
    assert appeal.process_id is None and appeal.case_number == migrated.case_number
    assert (appeal.township, appeal.benefit_change) == (region.township_a, change)
    assert appeal.deadline == today + datetime.timedelta(days=60) and not appeal.filed_late
    assert client_for(case_worker_b).get(reverse("appeals:detail", args=[appeal.pk])).status_code == 404

    with pytest.raises(appeals.PermissionDenied):
        appeals.appeal_decide(appeal=appeal, outcome=Outcome.OVERTURNED, outcome_on=today, text="撤销",
                              actor=case_worker_b)  # fmt: skip
    appeals.appeal_decide(appeal=appeal, outcome=Outcome.OVERTURNED, outcome_on=today,
                          text="示范县人民政府行政复议决定书：撤销停保决定。", actor=approver_a)  # fmt: skip
    appeal.refresh_from_db()
    migrated.refresh_from_db()
    assert appeal.status == AppealStatus.DECIDED and appeal.restored_change.kind == ChangeKind.RESTORE
    assert appeal.restored_change.effective_month == stop_month
    assert appeal.restored_change.letter.household_id == migrated.household_id
    assert (migrated.status, migrated.monthly_amount, migrated.until) == (BenefitStatus.IN_FORCE, D("600.00"), None)
    line = _roll(region, add_months(stop_month, 1), case_worker_a, approver_a, monkeypatch).lines.get(
        kind=LineKind.BENEFIT
    )
    assert (line.current, line.arrears) == (D("600.00"), D("600.00"))


def test_a_migrated_letter_that_is_not_a_decision_cannot_be_appealed(migrated, case_worker_a):
    """Negative: only decision and change letters are appealable, with or without a case."""
    notice = CaseDocument.objects.create(
        household=migrated.household, kind=CaseDocument.Kind.OTHER, filename="n.pdf", sha256="0" * 64, size=1,
        case_number="DB-X",
    )  # fmt: skip
    with pytest.raises(appeals.ValidationError):
        appeals.appeal_record(letter=notice, kind=AppealKind.RECONSIDERATION, body="示范县人民政府",
                              delivered_on=timezone.localdate(), filed_on=timezone.localdate(), claims="x",
                              actor=case_worker_a)  # fmt: skip
    assert not Appeal.objects.exists()

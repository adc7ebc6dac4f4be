"""Bringing an existing caseload in (issue 17 item 9): a county imports the recipients its
current system pays from a CSV or XLSX export, one row per household member.

Rules: the benefit's next re-check follows the county's cadence from the last check date
(MSL 31: yearly for a stable household, half-yearly where a member of working age can
work); amounts change only by a decision with a lawful ground (MSL 32), so a re-import
reports a different amount and applies nothing; a file with any problem imports nothing.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Process

from tests import factories
from workflows.caseload.models import Benefit, BenefitChange, BenefitKind, ChangeKind, Ground, Recheck
from workflows.caseload.months import month_of, months_after, next_month
from workflows.caseload.services import caseload_import
from workflows.caseload.services import imports as imp
from workflows.core.models import AuditEvent
from workflows.households.models import Household, HouseholdMember

HEADER = list(imp.COLUMNS)
ID = factories.make_id_number


def _today():
    return timezone.localdate()


def _ids():
    """Applicants and members: an elderly couple (stable household) and a working-age
    applicant able to work with a child (unstable household)."""
    return {
        "old": ID(datetime.date(1950, 3, 1), seq=101),
        "old_wife": ID(datetime.date(1952, 5, 1), seq=102),
        "young": ID(datetime.date(1990, 7, 1), seq=103),
        "child": ID(_today().replace(year=_today().year - 8, day=1), seq=104),
    }


def _rows(last_checked: datetime.date | None = None, amount_old="600.00"):
    """Two households: 青山镇/青山村 by code (dibao, stable) and 河口镇/河口村 by name (特困, unstable)."""
    i = _ids()
    checked = (last_checked or _today() - datetime.timedelta(days=100)).isoformat()
    old = [i["old"], "低保", "990101001", "990101001001", "青山村一组 3 号", "农村"]
    young = [i["young"], "特困", "河口镇", "河口村", "河口村五组 8 号", "城市"]
    return [
        [*old, "王老汉", i["old"], "本人", "否", "否", "否", amount_old, "2021-03", "6217000012345678", checked],
        [*old, "李秀英", i["old_wife"], "配偶", "否", "是", "否", amount_old, "2021-03", "6217000012345678", checked],
        [*young, "陈建国", i["young"], "本人", "是", "否", "否", "1,250.50", "2023-11", "", checked],
        [*young, "陈小明", i["child"], "子女", "", "", "是", "1,250.50", "2023-11", "", checked],
    ]


def _csv(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(rows) -> bytes:
    """An XLSX as spreadsheets hold it: amounts as numbers, dates as date cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        row = list(row)
        row[12] = float(row[12].replace(",", ""))
        row[15] = datetime.datetime.fromisoformat(row[15])
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _counts():
    return {m.__name__: m.objects.count() for m in (Benefit, BenefitChange, Recheck, Household, HouseholdMember,
                                                     AuditEvent, Process)}  # fmt: skip


def test_a_valid_csv_brings_benefits_in_with_their_next_recheck(region, county_officer):
    """Two households come in with their members; each benefit is in force from its original
    start month, paid by the engine from next month, opened by a "migrated" history row (no
    workflow case), and its next re-check is 12 months after the last check for the elderly
    couple — and for the 特困 household too, although a member is able to work: 特困 is
    re-checked yearly whatever the household (its spec; MSL 31's half-year is 低保's)."""
    checked = _today() - datetime.timedelta(days=100)
    processes = Process.objects.count()
    report = caseload_import(content=_csv(_rows(checked)), file_name="名册.csv", dry_run=False, actor=county_officer)
    assert report.ok and report.written and (report.rows, report.households, report.new) == (4, 2, 2)

    old = Benefit.objects.get(programme="dibao")
    young = Benefit.objects.get(programme="tekun")
    assert old.township == region.township_a and old.household.village == region.village_a
    assert young.township == region.township_b and young.household.village == region.village_b
    assert old.monthly_amount == Decimal("600.00") and young.monthly_amount == Decimal("1250.50")
    assert old.kind == BenefitKind.MONTHLY and old.status == "in_force" and old.source_case_id is None
    assert old.starts == datetime.date(2021, 3, 1) and young.starts == datetime.date(2023, 11, 1)
    assert (old.recheck_months, old.next_recheck_due) == (12, months_after(checked, 12))
    assert (young.recheck_months, young.next_recheck_due) == (12, months_after(checked, 12))
    assert Recheck.objects.get(benefit=old, outcome="").due_on == months_after(checked, 12)
    (opening,) = old.changes.all()
    assert (opening.kind, opening.ground) == (ChangeKind.OPEN, Ground.MIGRATED)
    assert opening.decided_by == county_officer and opening.effective_month == next_month(_today())
    # the old system paid the past months: nothing owed before the engine takes over
    assert old.amount_in(month_of(_today())) == 0 and old.amount_in(next_month(_today())) == Decimal("600.00")
    members = {m.id_number: m for m in HouseholdMember.objects.filter(household=young.household)}
    i = _ids()
    assert members[i["young"]].relation == "applicant" and members[i["young"]].can_work
    assert members[i["child"]].relation == "minor_child" and members[i["child"]].is_student
    assert old.household.bank_account == "6217000012345678" and old.household.area == "rural"
    assert old.household.members.count() == 2
    assert Process.objects.count() == processes  # no fabricated workflow steps


def test_the_migrated_event_is_in_the_history_with_the_importer_and_the_file_hash(region, county_officer):
    """Each benefit's history has ``caseload.benefit_migrated`` by the importing user with
    the file's SHA-256 and its line; the import itself is recorded once for the county."""
    content = _csv(_rows())
    caseload_import(content=content, file_name="名册.csv", dry_run=False, actor=county_officer)
    digest = hashlib.sha256(content).hexdigest()
    for benefit in Benefit.objects.all():
        event = AuditEvent.objects.get(
            action="caseload.benefit_migrated", target_type="caseload.benefit", target_id=str(benefit.pk)
        )
        assert event.actor == county_officer and event.data["file_sha256"] == digest
        assert event.data["row"] in (2, 4) and event.process_id is None
    summary = AuditEvent.objects.get(action="caseload.import")
    assert summary.data["new"] == 2 and summary.target_id == str(region.county.pk)


def test_a_dry_run_writes_nothing(region, county_officer):
    """The check reports what would happen and writes no row of any kind."""
    before = _counts()
    report = caseload_import(content=_csv(_rows()), file_name="名册.csv", dry_run=True, actor=county_officer)
    assert report.ok and not report.written and report.new == 2
    assert _counts() == before


def test_a_file_with_bad_rows_reports_each_error_and_imports_nothing(region, county_officer):
    """Negative: every problem is reported with its line and column in Chinese, and the
    valid household in the same file is not imported either (all or nothing)."""
    rows = _rows()
    bad_id = rows[0][7][:-1] + ("0" if rows[0][7][-1] != "0" else "1")
    rows[1][7] = bad_id  # a wrong check digit
    rows[1][4] = "别处"  # a household's rows disagree
    rows[2][12] = rows[3][12] = "-5"  # a negative amount
    rows[3][3] = "不存在村"  # an unknown village
    rows[2][13] = rows[3][13] = "2023年13月"  # no such month
    rows.append([*rows[0][:6], "赵某", ID(datetime.date(1970, 1, 1), seq=105), "本人", "否", "否", "否", "600.00",
                 "2021-03", "", (_today() + datetime.timedelta(days=3)).isoformat()])  # fmt: skip
    before = _counts()
    report = caseload_import(content=_csv(rows), file_name="名册.csv", dry_run=False, actor=county_officer)
    assert not report.ok and not report.written and _counts() == before
    found = {(p.row, p.column) for p in report.problems}
    assert {(3, "成员身份证号码"), (3, "家庭住址"), (4, "月保障金额（元）"), (5, "月保障金额（元）"),
            (5, "村（社区）"), (4, "发放起始月"), (6, "与户主关系"), (6, "上次复核日期")} <= found  # fmt: skip
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert messages[(3, "成员身份证号码")] == "身份证号码校验位不正确，请核对后重新输入。"
    assert messages[(4, "月保障金额（元）")] == "金额应为不小于零的数字，最多两位小数（元）。"
    assert messages[(6, "上次复核日期")] == "不能晚于今天。"


def test_re_import_is_idempotent_and_a_changed_amount_is_reported_not_applied(region, county_officer):
    """Importing the same file twice brings nobody in twice; a later file with a different
    amount reports the difference and changes nothing (amounts change by decision, MSL 32)."""
    caseload_import(content=_csv(_rows()), file_name="名册.csv", dry_run=False, actor=county_officer)
    before = _counts()
    again = caseload_import(content=_csv(_rows()), file_name="名册.csv", dry_run=False, actor=county_officer)
    assert (again.new, again.existing, again.differences) == (0, 2, [])
    changed = caseload_import(
        content=_csv(_rows(amount_old="650.00")), file_name="名册.csv", dry_run=False, actor=county_officer
    )
    assert (changed.new, changed.existing) == (0, 2)
    (difference,) = changed.differences
    assert difference.row == 2 and "600.00" in difference.message and "650.00" in difference.message
    assert Benefit.objects.get(programme="dibao").monthly_amount == Decimal("600.00")
    counts = _counts()
    assert {k: v for k, v in counts.items() if k != "AuditEvent"} == {
        k: v for k, v in before.items() if k != "AuditEvent"
    }


def test_an_existing_household_is_reused_and_its_missing_members_added(region, county_officer):
    """A household already registered for the applicant (an earlier application) is the one
    the benefit is attached to; only the members it lacks are added."""
    i = _ids()
    household = factories.HouseholdFactory(village=region.village_a)
    factories.MemberFactory(household=household, name="王老汉", id_number=i["old"])
    caseload_import(content=_csv(_rows()[:2]), file_name="名册.csv", dry_run=False, actor=county_officer)
    benefit = Benefit.objects.get()
    assert benefit.household == household
    assert sorted(household.members.values_list("id_number", flat=True)) == sorted([i["old"], i["old_wife"]])


def test_a_township_approver_imports_their_township_only(region, approver_a):
    """A township approver imports rows of their own township; a row of another township
    is refused (and with it the file), and a case worker may not import at all."""
    rows = _rows()
    report = caseload_import(content=_csv(rows), file_name="名册.csv", dry_run=False, actor=approver_a)
    assert not report.written and not Benefit.objects.exists()
    assert {(p.row, p.column, p.message) for p in report.problems} >= {
        (4, "乡镇（街道）", "该乡镇（街道）不在您的导入范围内。"),
        (5, "乡镇（街道）", "该乡镇（街道）不在您的导入范围内。"),
    }
    report = caseload_import(content=_csv(rows[:2]), file_name="名册.csv", dry_run=False, actor=approver_a)
    assert report.written and Benefit.objects.get().township == region.township_a


def test_only_county_officers_and_approvers_may_import(region, case_worker_a):
    """Negative: a case worker is refused before the file is read."""
    with pytest.raises(PermissionDenied):
        caseload_import(content=_csv(_rows()), file_name="名册.csv", dry_run=True, actor=case_worker_a)


def test_an_xlsx_export_imports_like_the_csv(region, county_officer):
    """XLSX: amounts as number cells and last check dates as date cells read the same."""
    checked = _today() - datetime.timedelta(days=40)
    report = caseload_import(content=_xlsx(_rows(checked)), file_name="名册.xlsx", dry_run=False, actor=county_officer)
    assert report.written and report.new == 2
    assert Benefit.objects.get(programme="tekun").monthly_amount == Decimal("1250.50")
    assert Benefit.objects.get(programme="dibao").next_recheck_due == months_after(checked, 12)


def test_a_file_missing_columns_or_of_another_type_is_refused(region, county_officer):
    """Negative: a header without required columns, or a file that is not CSV/XLSX."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="表头缺少以下列"):
        caseload_import(content=_csv([["x"]], header=["户主身份证号码"]), file_name="a.csv", dry_run=True,
                        actor=county_officer)  # fmt: skip
    with pytest.raises(ValidationError, match="CSV"):
        caseload_import(content=b"x", file_name="a.pdf", dry_run=True, actor=county_officer)


# --- the page ---------------------------------------------------------------------------------
def test_the_page_checks_then_imports_and_offers_the_error_report(region, county_officer, client_for):
    """The officer uploads (a dry run: nothing written), confirms the checked file, and for
    a bad file downloads the error report (line, column, reason)."""
    client = client_for(county_officer)
    url = reverse("caseload:import")
    assert client.get(url).status_code == 200
    assert "户主身份证号码" in client.get(reverse("caseload:import_template")).content.decode("utf-8-sig")
    page = client.post(url, {"action": "preview", "file": SimpleUploadedFile("名册.csv", _csv(_rows()))})
    assert page.status_code == 200 and "caseload-import-confirm" in page.content.decode()
    assert not Benefit.objects.exists()
    done = client.post(url, {"action": "confirm", "token": page.context["token"]})
    assert done.status_code == 302 and Benefit.objects.count() == 2

    rows = _rows()
    rows[0][12] = rows[1][12] = "abc"
    page = client.post(url, {"action": "preview", "file": SimpleUploadedFile("名册.csv", _csv(rows))})
    assert "token" not in page.context and "caseload-import-errors" in page.content.decode()
    report = client.get(reverse("caseload:import_errors")).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(report)))
    assert lines[0] == ["行号", "列", "原因", "类型"]
    assert ["2", "月保障金额（元）", "金额应为不小于零的数字，最多两位小数（元）。", "错误（未导入）"] in lines


def test_the_page_is_refused_to_a_case_worker(region, case_worker_a, client_for):
    """Negative: 403 for staff who may not import; the re-check list links the page only for those who may."""
    client = client_for(case_worker_a)
    assert client.get(reverse("caseload:import")).status_code == 403
    assert "caseload-import-link" not in client.get(reverse("caseload:rechecks")).content.decode()


def test_a_household_without_the_heads_own_row_is_refused(region, county_officer):
    """Negative: the rows of a household must include the head's own row (relation 本人)."""
    report = caseload_import(content=_csv(_rows()[1:2]), file_name="名册.csv", dry_run=False, actor=county_officer)
    assert [(p.row, p.column) for p in report.problems] == [(2, "户主身份证号码")]
    assert "缺少户主本人一行" in report.problems[0].message and not Benefit.objects.exists()


def test_the_benefit_page_shows_the_migration_in_the_history(region, county_officer, approver_a, client_for):
    """The household's benefit page lists the opening as migrated from the previous system."""
    caseload_import(content=_csv(_rows()), file_name="名册.csv", dry_run=False, actor=county_officer)
    benefit = Benefit.objects.get(programme="dibao")
    html = client_for(approver_a).get(reverse("caseload:household", args=[benefit.household_id])).content.decode()
    assert "从原系统迁入" in html and "纳入保障" in html
    assert "caseload-import-link" in client_for(approver_a).get(reverse("caseload:rechecks")).content.decode()


def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(region, county_officer, client_for, monkeypatch):
    """A file larger than the import limit is refused on the form (with the limit in MB) and
    nothing is read or written; a file within the limit is checked as usual."""
    from workflows.caseload.services import imports

    content = _csv(_rows())
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", len(content) - 1)
    client = client_for(county_officer)
    url = reverse("caseload:import")
    page = client.post(url, {"action": "preview", "file": SimpleUploadedFile("名册.csv", content)})
    assert page.status_code == 200
    assert page.context["form"].errors["file"] == [str(imports.ERR_FILE_SIZE % {"mb": 0})]
    assert "token" not in page.context and not Benefit.objects.exists()

    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", len(content))
    page = client.post(url, {"action": "preview", "file": SimpleUploadedFile("名册.csv", content)})
    assert "token" in page.context

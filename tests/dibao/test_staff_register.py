"""The county's staff-relative register (MSL 11): maintained by county officers on a staff
page and by CSV/XLSX import, every change audited, and matched at filing (MSL 11, 20)."""

from __future__ import annotations

import dataclasses
import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from viewflow.workflow.status import STATUS

from tests import factories
from tests.conftest import _staff
from tests.factories import make_id_number
from workflows.core.models import AuditEvent, StaffProfile
from workflows.core.models.staff import Role
from workflows.dibao import register, services
from workflows.dibao.models import Decision, DibaoProcess, StaffKinRecord

from .conftest import accept, do, file_case, home_visit, member, pass_notice, propose, sign_all

STAFF_ID = make_id_number(datetime.date(1975, 6, 1), seq=506)  # ends in X: lower case must match
RELATIVE_ID = make_id_number(datetime.date(1960, 2, 3), seq=609)  # ends in X
HEADER = "工作人员姓名,工作人员身份证号码,职务类别,区划代码,亲属姓名,亲属身份证号码,关系"


def csv_bytes(*rows: str) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


def line(region, **kw) -> register.RegisterLineInput:
    values = {
        "county": region.county, "township": region.township_a, "village": region.village_a,
        "staff_name": "陈村委", "staff_id_number": STAFF_ID, "position": "village_committee",
        "relation": "sibling", "relative_name": "陈十", "relative_id_number": RELATIVE_ID,
    }  # fmt: skip
    values.update(kw)
    return register.RegisterLineInput(**values)


def audits(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def other_county_officer(db):
    county = factories.CountyFactory(code="990202", name="邻县")
    factories.TownshipFactory(county=county, code="990202001", name="邻镇")
    return _staff("officer_c", Role.COUNTY_OFFICER, county)


# --- one line: service ---------------------------------------------------------------------
def test_officer_creates_changes_deletes_a_line_each_audited(region, county_officer):
    """MSL 11: a county officer registers a village-committee member and a declared relative;
    create, change and delete each leave an audit row with old and new values (ID numbers masked)."""
    record = register.staff_register_line_save(
        line=line(region, staff_id_number=STAFF_ID.lower()), actor=county_officer
    )
    assert (record.county, record.township, record.village) == (region.county, region.township_a, region.village_a)
    assert STAFF_ID.endswith("X") and record.staff_id_number == STAFF_ID  # normalised so filing matches it
    [created] = audits("dibao.staff_register_create")
    assert created.changes["staff_name"] == [None, "陈村委"]
    assert created.changes["relation"] == [None, "sibling"]
    assert RELATIVE_ID not in str(created.changes) and STAFF_ID not in str(created.changes)

    register.staff_register_line_save(line=line(region, relation="spouse"), record=record, actor=county_officer)
    [changed] = audits("dibao.staff_register_change")
    assert changed.changes == {"relation": ["sibling", "spouse"]}

    register.staff_register_line_delete(record=record, actor=county_officer)
    [deleted] = audits("dibao.staff_register_delete")
    assert deleted.changes["staff_name"] == ["陈村委", None]
    assert not StaffKinRecord.objects.exists()


def test_saving_unchanged_line_writes_no_audit(region, county_officer):
    """Saving a line without a change adds no audit row (only changes are audited)."""
    record = register.staff_register_line_save(line=line(region), actor=county_officer)
    register.staff_register_line_save(line=line(region), record=record, actor=county_officer)
    assert audits("dibao.staff_register_change") == []


@pytest.mark.parametrize(
    ("kw", "field", "code_text"),
    [
        ({"staff_id_number": "11010519491231002"}, "staff_id_number", "身份证"),
        ({"staff_id_number": STAFF_ID[:-1] + ("0" if STAFF_ID[-1] != "0" else "1")}, "staff_id_number", "校验"),
        ({"staff_name": "  "}, "staff_name", "必须填写"),
        ({"relative_id_number": ""}, "relative_id_number", "必须填写"),
        ({"relation": "self"}, "relation", "本人"),
        ({"relative_id_number": STAFF_ID}, "relative_id_number", "相同"),
        ({"position": "mayor"}, "position", "职务类别"),
    ],
)
def test_bad_line_refused_with_reason_and_nothing_written(region, county_officer, kw, field, code_text):
    """MSL 11: an invalid ID (GB 11643), a missing name or an inconsistent relation is refused
    with a translated reason on its field; nothing is written or audited."""
    with pytest.raises(ValidationError) as exc:
        register.staff_register_line_save(line=line(region, **kw), actor=county_officer)
    assert field in exc.value.message_dict
    assert any(code_text in m for m in exc.value.message_dict[field])
    assert not StaffKinRecord.objects.exists()
    assert audits("dibao.staff_register_create") == []


def test_village_of_other_township_refused(region, county_officer):
    """A village must belong to the line's township."""
    with pytest.raises(ValidationError) as exc:
        register.staff_register_line_save(line=line(region, township=region.township_b), actor=county_officer)
    assert "village" in exc.value.message_dict


def test_same_staff_and_relative_twice_refused(region, county_officer):
    """One line per staff person and relative in a county."""
    register.staff_register_line_save(line=line(region), actor=county_officer)
    with pytest.raises(ValidationError) as exc:
        register.staff_register_line_save(line=line(region, relation="spouse"), actor=county_officer)
    assert "relative_id_number" in exc.value.message_dict
    assert StaffKinRecord.objects.count() == 1


def test_township_staff_cannot_write_the_register(region, case_worker_a, approver_a):
    """MSL 11: only county officers maintain the register; township staff are refused."""
    for user in (case_worker_a, approver_a):
        with pytest.raises(PermissionDenied):
            register.staff_register_line_save(line=line(region), actor=user)
    assert not StaffKinRecord.objects.exists()


def test_other_county_officer_cannot_write_this_county(region, other_county_officer):
    """A county officer maintains only their own county's register."""
    with pytest.raises(PermissionDenied):
        register.staff_register_line_save(line=line(region), actor=other_county_officer)


# --- pages ------------------------------------------------------------------------------------
def test_register_pages_for_county_officer(region, county_officer, client_for):
    """The officer's list shows their county's lines with masked ID numbers; the form creates a line."""
    client = client_for(county_officer)
    response = client.post(
        reverse("dibao:staff_register_new"),
        {"county": region.county.pk, "township": region.township_a.pk, "village": "", "staff_name": "李干部",
         "staff_id_number": STAFF_ID, "position": "township_staff", "relation": "self", "relative_name": "",
         "relative_id_number": ""},
    )  # fmt: skip
    assert response.status_code == 302
    record = StaffKinRecord.objects.get()
    assert record.relation == "self" and record.township == region.township_a
    page = client.get(reverse("dibao:staff_register"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "李干部" in html and "乡镇（街道）工作人员" in html
    assert STAFF_ID not in html


def test_register_form_shows_reason_not_500(region, county_officer, client_for):
    """A bad ID number on the page gets the translated error at the field, not a 500."""
    response = client_for(county_officer).post(
        reverse("dibao:staff_register_new"),
        {"county": region.county.pk, "staff_name": "李干部", "staff_id_number": "１１０１０５１９４９１２３１００２Ｘ",
         "position": "township_staff", "relation": "self"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["staff_id_number"]
    assert not StaffKinRecord.objects.exists()


def test_township_staff_get_403_on_register_pages(region, county_officer, case_worker_a, approver_a, client_for):
    """MSL 11: township staff can neither see nor edit the register (403)."""
    record = register.staff_register_line_save(line=line(region), actor=county_officer)
    for user in (case_worker_a, approver_a):
        client = client_for(user)
        for url in (reverse("dibao:staff_register"), reverse("dibao:staff_register_new"),
                    reverse("dibao:staff_register_import"), reverse("dibao:staff_register_edit", args=[record.pk]),
                    reverse("dibao:staff_register_delete", args=[record.pk])):  # fmt: skip
            assert client.get(url).status_code == 403, url
        assert client.post(reverse("dibao:staff_register_delete", args=[record.pk])).status_code == 403
    assert StaffKinRecord.objects.filter(pk=record.pk).exists()


def test_other_county_officer_cannot_see_entries(region, county_officer, other_county_officer, client_for):
    """Another county's officer sees none of this county's lines and gets 404 on them."""
    record = register.staff_register_line_save(line=line(region), actor=county_officer)
    client = client_for(other_county_officer)
    page = client.get(reverse("dibao:staff_register"))
    assert page.status_code == 200 and "陈村委" not in page.content.decode()
    assert client.get(reverse("dibao:staff_register_edit", args=[record.pk])).status_code == 404
    assert client.post(reverse("dibao:staff_register_delete", args=[record.pk])).status_code == 404
    assert StaffKinRecord.objects.filter(pk=record.pk).exists()


def test_delete_page_removes_line(region, county_officer, client_for):
    """The officer deletes a line from the page; the deletion is audited."""
    record = register.staff_register_line_save(line=line(region), actor=county_officer)
    response = client_for(county_officer).post(reverse("dibao:staff_register_delete", args=[record.pk]))
    assert response.status_code == 302
    assert not StaffKinRecord.objects.exists()
    assert len(audits("dibao.staff_register_delete")) == 1


# --- import ------------------------------------------------------------------------------------
GOOD_ROWS = (
    f"陈村委,{STAFF_ID},村（居）委会成员,990101001001,陈十,{RELATIVE_ID.lower()},兄弟姐妹",  # stored normalised
    f"王经办,{make_id_number(datetime.date(1985, 1, 1), seq=733)},经办人员,990101001,,,本人",
)


def test_import_dry_run_writes_nothing_then_confirm_writes_and_audits(region, county_officer):
    """MSL 11: the check reports what would change and writes nothing; the confirm imports,
    audits each new line and the import; importing the same file again changes nothing."""
    content = csv_bytes(*GOOD_ROWS)
    report = register.staff_register_import(
        county=region.county, content=content, file_name="名录.csv", confirm=False, actor=county_officer
    )
    assert (report.rows, report.new, report.ok, report.written) == (2, 2, True, False)
    assert not StaffKinRecord.objects.exists()

    report = register.staff_register_import(
        county=region.county, content=content, file_name="名录.csv", confirm=True, actor=county_officer
    )
    assert (report.new, report.written) == (2, True)
    chen = StaffKinRecord.objects.get(staff_name="陈村委")
    assert (chen.village, chen.township, chen.relation, chen.position) == (
        region.village_a, region.township_a, "sibling", "village_committee",
    )  # fmt: skip
    assert len(audits("dibao.staff_register_create")) == 2
    assert len(audits("dibao.staff_register_import")) == 1

    again = register.staff_register_import(
        county=region.county, content=content, file_name="名录.csv", confirm=True, actor=county_officer
    )
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert StaffKinRecord.objects.count() == 2
    assert len(audits("dibao.staff_register_create")) == 2
    assert audits("dibao.staff_register_change") == []


def test_import_updates_changed_row_with_audit(region, county_officer):
    """A re-imported row with a new relation updates the same line, audited old -> new."""
    register.staff_register_import(
        county=region.county, content=csv_bytes(GOOD_ROWS[0]), file_name="a.csv", confirm=True, actor=county_officer
    )
    changed = GOOD_ROWS[0].replace("兄弟姐妹", "配偶")
    report = register.staff_register_import(
        county=region.county, content=csv_bytes(changed), file_name="a.csv", confirm=True, actor=county_officer
    )
    assert report.updated == 1 and StaffKinRecord.objects.get().relation == "spouse"
    [event] = audits("dibao.staff_register_change")
    assert event.changes["relation"] == ["sibling", "spouse"]


def test_import_bad_rows_listed_by_row_and_nothing_written(region, county_officer):
    """Bad rows (invalid ID, unknown region, missing name) are listed with their line number
    and a translated reason; the confirm writes nothing, not even the good rows."""
    bad_id = STAFF_ID[:-1] + ("0" if STAFF_ID[-1] != "0" else "1")
    content = csv_bytes(
        GOOD_ROWS[0],
        f"赵某,{bad_id},经办人员,990101001,,,本人",
        f"钱某,{make_id_number(datetime.date(1990, 1, 1), seq=844)},经办人员,123456789,,,本人",
        f",{make_id_number(datetime.date(1991, 1, 1), seq=855)},经办人员,990101001,,,本人",
    )
    report = register.staff_register_import(
        county=region.county, content=content, file_name="名录.csv", confirm=True, actor=county_officer
    )
    assert not report.written
    by_row = {(p.row, p.column) for p in report.problems}
    assert by_row == {(3, "工作人员身份证号码"), (4, "区划代码"), (5, "工作人员姓名")}
    assert all(p.message for p in report.problems)
    assert not StaffKinRecord.objects.exists()
    assert audits("dibao.staff_register_create") == [] and audits("dibao.staff_register_import") == []


def test_import_region_of_other_county_is_unknown(region, county_officer, other_county_officer):
    """A region code of another county is refused as unknown in this county's register."""
    content = csv_bytes(f"孙某,{STAFF_ID},经办人员,990202001,,,本人")
    report = register.staff_register_import(
        county=region.county, content=content, file_name="a.csv", confirm=False, actor=county_officer
    )
    assert [(p.row, p.column) for p in report.problems] == [(2, "区划代码")]


def test_import_xlsx(region, county_officer):
    """An XLSX file with the same columns imports like the CSV."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(GOOD_ROWS[0].split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    report = register.staff_register_import(
        county=region.county, content=buffer.getvalue(), file_name="名录.xlsx", confirm=True, actor=county_officer
    )
    assert report.written and StaffKinRecord.objects.get().relative_id_number == RELATIVE_ID


@pytest.mark.parametrize(
    ("content", "name", "text"),
    [
        (b"not a spreadsheet", "a.xlsx", "无法读取"),
        (b"a,b\r\n1,2\r\n", "a.csv", "缺少"),
        (csv_bytes(), "a.csv", "没有数据"),
        (b"%PDF-1.4", "a.pdf", "CSV"),
        (b"\xff\xfe\x00bad", "a.csv", "无法读取"),
    ],
)
def test_import_unreadable_file_gets_clear_error(region, county_officer, content, name, text):
    """A wrong type, missing columns or an empty file gets a clear translated error, never a 500."""
    with pytest.raises(ValidationError) as exc:
        register.staff_register_import(
            county=region.county, content=content, file_name=name, confirm=False, actor=county_officer
        )
    assert text in " ".join(exc.value.messages)


def test_import_refused_for_township_staff(region, case_worker_a):
    """MSL 11: township staff cannot import into the register."""
    with pytest.raises(PermissionDenied):
        register.staff_register_import(
            county=region.county, content=csv_bytes(*GOOD_ROWS), file_name="a.csv", confirm=True, actor=case_worker_a
        )
    assert not StaffKinRecord.objects.exists()


def test_import_page_check_then_confirm(region, county_officer, client_for):
    """The page checks the upload, lists bad rows, and imports only on confirm of a clean check."""
    client = client_for(county_officer)
    url = reverse("dibao:staff_register_import")
    bad = client.post(url, {"county": region.county.pk, "action": "preview",
                            "file": SimpleUploadedFile("a.csv", csv_bytes(",,,,,,本人"))})  # fmt: skip
    assert bad.status_code == 200 and "token" not in bad.context
    assert bad.context["report"].problems
    good = client.post(url, {"county": region.county.pk, "action": "preview",
                             "file": SimpleUploadedFile("a.csv", csv_bytes(*GOOD_ROWS))})  # fmt: skip
    assert good.status_code == 200 and not StaffKinRecord.objects.exists()
    token = good.context["token"]
    assert client.post(url, {"action": "confirm", "token": token}).status_code == 302
    assert StaffKinRecord.objects.count() == 2
    forged = client.post(url, {"action": "confirm", "token": token[:-3] + "abc"})
    assert forged.status_code == 200 and forged.context["confirm_errors"]


def test_import_token_of_another_user_is_refused(region, county_officer, client_for):
    """A checked file's token is bound to the officer who checked it."""
    token = register.preview_token(county=region.county, content=csv_bytes(*GOOD_ROWS), file_name="a.csv",
                                   actor=county_officer)  # fmt: skip
    other = _staff("county_officer_x", Role.COUNTY_OFFICER, region.county)
    response = client_for(other).post(reverse("dibao:staff_register_import"), {"action": "confirm", "token": token})
    assert response.status_code == 200 and response.context["confirm_errors"]
    assert not StaffKinRecord.objects.exists()


# --- matching at filing (MSL 11, 20) -----------------------------------------------------------
def test_undeclared_relative_in_imported_register_is_registered_and_needs_county_visit(
    region, county_officer, county_officer2, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check,
    monkeypatch,
):  # fmt: skip
    """Acceptance, MSL 11 and MSL 20: a household member listed as a village-committee member's
    relative in an imported register, without declaring it, is registered separately at
    filing (audited), routed to the county home visit, and cannot be approved before it."""
    register.staff_register_import(
        county=region.county, content=csv_bytes(GOOD_ROWS[0]), file_name="a.csv", confirm=True, actor=county_officer
    )
    applicant = dataclasses.replace(member("陈十"), id_number=RELATIVE_ID.lower())
    process = file_case(case_worker_a, region.village_a, members=[applicant])
    assert process.staff_relative
    assert [link["source"] for link in process.staff_relative_links] == ["matched"]
    assert process.staff_relative_links[0]["staff"] == "陈村委"
    [event] = AuditEvent.objects.filter(process_id=process.pk, action="dibao.staff_relative_registered")
    assert event.data["register_lines"] == [StaffKinRecord.objects.get().pk]
    assert process in DibaoProcess.objects.filter(staff_relative=True)

    process = accept(process, case_worker_a)
    process = finance_check.finish(process)
    process = home_visit(process, case_worker_a, case_worker_a2, approver_a)
    assert process.needs_county_visit
    # the flow waits for the county's own visit: no proposal, notice or approval can start
    assert {t.flow_task.name for t in process.task_set.filter(status=STATUS.NEW)} == {"county_home_visit"}
    process = do(
        process, "county_home_visit", county_officer, services.home_visit_record, investigator_1=county_officer,
        investigator_2=county_officer2, visited_on=datetime.date.today(), findings="县级核查属实。",
        family_signatories="陈十", county=True,
    )  # fmt: skip
    process = propose(process, case_worker_a)
    process = pass_notice(process, monkeypatch)
    approver_a3 = _staff("approver_a3", Role.APPROVER, region.township_a)
    process = sign_all(process, case_worker_a, approver_a2, approver_a3)
    assert process.decision == Decision.APPROVED


def test_staff_person_themself_matches_and_is_excluded(region, county_officer, case_worker_a, case_worker_a2):
    """MSL 11: a member who is the registered staff person is matched too; a staff user whose
    profile carries that ID number is excluded from acting on the case (MSL 20)."""
    StaffProfile.objects.create(user=case_worker_a2, id_number=STAFF_ID)
    register.staff_register_line_save(line=line(region, relation="self", relative_name="", relative_id_number=""),
                                      actor=county_officer)  # fmt: skip
    applicant = dataclasses.replace(member("陈村委"), id_number=STAFF_ID)
    process = file_case(case_worker_a, region.village_a, members=[applicant])
    assert process.staff_relative
    matched = [link for link in process.staff_relative_links if link["source"] == "matched"]
    assert matched and matched[0]["relation"] == "self"
    assert case_worker_a2.pk in process.staff_relative_user_ids
    assert case_worker_a2.pk in process.excluded_actor_ids("home_visit")


def test_staff_user_id_number_matches_without_register_line(region, case_worker_a, case_worker_a2):
    """MSL 11: a member whose ID is a staff user's own (StaffProfile) is registered separately."""
    applicant = member("赵经办")
    StaffProfile.objects.create(user=case_worker_a2, id_number=applicant.id_number)
    process = file_case(case_worker_a, region.village_a, members=[applicant])
    assert process.staff_relative and process.staff_relative_user_ids == [case_worker_a2.pk]


def test_register_of_another_county_does_not_match(region, other_county_officer, case_worker_a):
    """Lines of another county's register do not flag this county's cases."""
    county = register.officer_counties(other_county_officer).get()
    register.staff_register_line_save(line=line(region, county=county, township=None, village=None),
                                      actor=other_county_officer)  # fmt: skip
    applicant = dataclasses.replace(member("陈十"), id_number=RELATIVE_ID)
    process = file_case(case_worker_a, region.village_a, members=[applicant])
    assert not process.staff_relative


def test_unmatched_household_is_not_flagged(region, county_officer, case_worker_a):
    """A household with no member on the register is filed normally."""
    register.staff_register_line_save(line=line(region), actor=county_officer)
    process = file_case(case_worker_a, region.village_a)
    assert not process.staff_relative and process.staff_relative_links == []


def test_cases_page_links_to_register_for_county_officers_only(region, county_officer, case_worker_a, client_for):
    """The staff-relative cases page offers the register to county officers, not to township staff."""
    url, target = reverse("dibao:staff_relatives"), reverse("dibao:staff_register")
    assert target in client_for(county_officer).get(url).content.decode()
    assert target not in client_for(case_worker_a).get(url).content.decode()


def test_register_list_is_paged(region, county_officer, client_for, monkeypatch):
    """A long register is shown a page at a time."""
    from workflows.dibao import register_views

    monkeypatch.setattr(register_views, "PAGE_SIZE", 2)
    for seq in (101, 102, 103):
        register.staff_register_line_save(
            line=line(region, staff_name=f"员{seq}", staff_id_number=make_id_number(seq=seq), relation="self",
                      relative_name="", relative_id_number=""),
            actor=county_officer,
        )  # fmt: skip
    client = client_for(county_officer)
    first = client.get(reverse("dibao:staff_register"))
    second = client.get(reverse("dibao:staff_register") + "?page=2")
    assert len(first.context["lines"]) == 2 and len(second.context["lines"]) == 1
    assert "员103" in second.content.decode() and "员103" not in first.content.decode()


def test_concurrent_duplicate_line_is_refused_not_500(region, county_officer, monkeypatch):
    """If another save registered the same line between the check and the write, the
    database constraint refuses it with the same translated error."""
    register.staff_register_line_save(line=line(region), actor=county_officer)
    monkeypatch.setattr(register, "_duplicate", lambda values, exclude_pk: False)
    with pytest.raises(ValidationError) as exc:
        register.staff_register_line_save(line=line(region, relation="spouse"), actor=county_officer)
    assert "relative_id_number" in exc.value.message_dict
    assert StaffKinRecord.objects.count() == 1
    assert len(audits("dibao.staff_register_create")) == 1


def test_confirm_that_meets_a_refused_row_while_writing_keeps_nothing(region, county_officer, monkeypatch):
    """If a row is refused during the writing pass (the register changed after the check),
    every row already written in that import is rolled back and nothing is audited."""
    real, calls = register._problems, []

    def problems_on_write(result):
        calls.append(result)
        found = real(result)
        return found if len(calls) == 1 else [register.RowProblem(row=3, column="", message="x")]

    monkeypatch.setattr(register, "_problems", problems_on_write)
    report = register.staff_register_import(
        county=region.county, content=csv_bytes(*GOOD_ROWS), file_name="a.csv", confirm=True, actor=county_officer
    )
    assert len(calls) == 2 and not report.written
    assert not StaffKinRecord.objects.exists()
    assert audits("dibao.staff_register_create") == [] and audits("dibao.staff_register_import") == []


def test_change_of_id_number_hidden_by_the_mask_is_still_audited(region, county_officer):
    """Audit rows carry masked ID numbers; a corrected ID whose masked form is unchanged is
    still recorded as a change of that column."""
    record = register.staff_register_line_save(line=line(region), actor=county_officer)
    same_mask = next(
        n for n in (make_id_number(datetime.date(1960, 2, 3) + datetime.timedelta(days=d), seq=609) for d in range(1, 400))
        if n[-4:] == RELATIVE_ID[-4:]
    )  # fmt: skip
    register.staff_register_line_save(line=line(region, relative_id_number=same_mask), record=record,
                                      actor=county_officer)  # fmt: skip
    [event] = audits("dibao.staff_register_change")
    assert list(event.changes) == ["relative_id_number"]
    assert RELATIVE_ID not in str(event.changes) and same_mask not in str(event.changes)


def test_cases_page_says_relation_and_how_found_in_words(region, county_officer, case_worker_a, client_for):
    """The staff-relative cases page names the staff member, the relation in words and how the
    link was found (matched on the register), never the stored codes."""
    register.staff_register_line_save(line=line(region), actor=county_officer)
    process = file_case(
        case_worker_a, region.village_a, members=[dataclasses.replace(member("陈十"), id_number=RELATIVE_ID)]
    )
    html = client_for(county_officer).get(reverse("dibao:staff_relatives")).content.decode()
    assert process.case_number in html
    assert "陈村委 · 兄弟姐妹（名录比对）" in html and "sibling" not in html


@pytest.mark.parametrize(
    "url", ["/dibao/staff-register/", "/dibao/staff-register/new/", "/dibao/staff-register/import/"]
)
def test_register_forms_never_answer_5xx(region, county_officer, url):
    """Random unicode (surrogates, NUL, full-width digits, huge numbers) in every field of the
    register's forms, as a county officer: never a 5xx."""
    from tests.portal.test_input__guard import _client, _fuzz

    client = _client()
    client.force_login(county_officer)
    _fuzz(client, url)


def test_register_edit_form_never_answers_5xx(region, county_officer):
    """The same fuzzing on one line's form."""
    from tests.portal.test_input__guard import _client, _fuzz

    record = register.staff_register_line_save(line=line(region), actor=county_officer)
    client = _client()
    client.force_login(county_officer)
    _fuzz(client, reverse("dibao:staff_register_edit", args=[record.pk]))

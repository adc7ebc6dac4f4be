"""Personal-data access log (issue 18 item 5, PIPL art. 51; docs/security.md V7/V8).

Full ID numbers and bank accounts are masked on staff screens; "show full number" asks a
reason, and each view or export is one append-only event of the case's audit chain with
who, when, which case and why, listed in the auditor's replay.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import translation

from tests.conftest import requires_postgres
from tests.dibao.conftest import file_case
from workflows.core.models import AuditEvent
from workflows.core.pii import (
    ERR_REASON_REQUIRED,
    PiiKind,
    PiiReasonForm,
    mask_account,
    pii_access_record,
    pii_accesses,
)

REASON = "核对银行代发账户"


@pytest.fixture
def case(region, case_worker_a):
    return file_case(case_worker_a, region.village_a)


def full_ids(case):
    return [m.id_number for m in case.household.members.order_by("pk")]


def test_case_page_masks_and_links_to_show_full_number(case, client_for, case_worker_a):
    """The case workspace shows no full ID number and no account; it offers the audited reveal."""
    html = client_for(case_worker_a).get(reverse("workspace:case", args=[case.pk])).content.decode()
    for number in full_ids(case):
        assert number not in html
    assert case.household.bank_account not in html
    assert reverse("personal_data:case", args=[case.pk]) in html


def test_show_full_number_asks_a_reason_and_logs_who_when_case_why(case, client_for, case_worker_a):
    """GET: masked, nothing logged. POST with a reason: full numbers shown and exactly one
    event with who, when, which case and why."""
    client = client_for(case_worker_a)
    url = reverse("personal_data:case", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert not any(number in html for number in full_ids(case))
    assert mask_account(case.household.bank_account) in html and case.household.bank_account not in html
    assert not pii_accesses(case).exists()

    response = client.post(url, {"reason": REASON})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert all(number in html for number in full_ids(case))
    assert case.household.bank_account in html
    event = pii_accesses(case).get()
    assert event.action == "pii.viewed"
    assert event.actor == case_worker_a
    assert event.occurred_at is not None
    assert event.chain == f"case:{case.pk}" and event.process_id == case.pk
    assert event.data["reason"] == REASON
    assert event.data["kinds"] == ["id_number", "bank_account"]
    assert event.data["fields"] == ["members.id_number", "household.bank_account"]


@pytest.mark.parametrize("reason", ["", "   ", "看看"])
def test_without_a_reason_nothing_is_shown_or_logged(case, client_for, case_worker_a, reason):
    """No (or a token) reason: a translated error on the page, no full number, no event."""
    response = client_for(case_worker_a).post(reverse("personal_data:case", args=[case.pk]), {"reason": reason})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写查看或导出完整个人信息的理由" in html
    assert not any(number in html for number in full_ids(case))
    assert not pii_accesses(case).exists()


def test_export_without_a_reason_is_refused_with_a_translated_error(case, case_worker_a):
    """The export path (e.g. the case file with full numbers) calls the same service with
    export=True: without a reason it raises, in the user's language, and writes nothing."""
    with pytest.raises(ValidationError) as refused:
        pii_access_record(actor=case_worker_a, case=case, kind=PiiKind.ID_NUMBER, fields=["x"], reason="", export=True)
    assert "理由" in refused.value.messages[0]
    # The message is translated when shown, in the user's language (lazy, not fixed at import).
    with translation.override("en"):
        form = PiiReasonForm({"reason": ""})
        assert not form.is_valid()
        assert str(ERR_REASON_REQUIRED) == form.errors["reason"][0]
    assert not pii_accesses(case).exists()
    event = pii_access_record(
        actor=case_worker_a, case=case, kind=PiiKind.HEALTH, fields=["members.illness"], reason=REASON, export=True
    )
    assert event.action == "pii.exported" and event.data["export"] is True and event.data["kinds"] == ["health"]


def test_unknown_kind_is_refused(case, case_worker_a):
    """Only ID numbers, bank accounts and health details are logged kinds: a typo fails loudly."""
    with pytest.raises(ValidationError):
        pii_access_record(actor=case_worker_a, case=case, kind="passport", fields=[], reason=REASON)


@pytest.mark.parametrize("who", ["case_worker_b", "approver_b", "outsider"])
def test_out_of_region_staff_get_404_and_nothing_is_logged(case, client_for, request, who):
    """Another township's staff, or a user without a region: 404 for GET and POST, no event."""
    client = client_for(request.getfixturevalue(who))
    url = reverse("personal_data:case", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": REASON}).status_code == 404
    assert not pii_accesses(case).exists()


def test_unknown_case_is_404(client_for, case_worker_a):
    assert client_for(case_worker_a).get(reverse("personal_data:case", args=[999999])).status_code == 404


def test_auditor_sees_the_access_in_the_replay(case, client_for, case_worker_a, auditor):
    """The case history (the auditor's replay) lists the access with its label, who and why."""
    client_for(case_worker_a).post(reverse("personal_data:case", args=[case.pk]), {"reason": REASON})
    html = client_for(auditor).get(f"/history/case/{case.pk}/").content.decode()
    assert "查看完整个人信息" in html
    assert REASON in html
    assert (case_worker_a.get_full_name() or case_worker_a.username) in html


def test_access_event_cannot_be_updated(case, case_worker_a):
    """The event is append-only: UPDATE is refused by the database trigger (SQLite and PostgreSQL)."""
    event = pii_access_record(actor=case_worker_a, case=case, kind=PiiKind.ID_NUMBER, fields=["x"], reason=REASON)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(data={"reason": "forged"})
    event.refresh_from_db()
    assert event.data["reason"] == REASON


@pytest.mark.postgres
@requires_postgres
def test_postgres_refuses_update_and_delete_of_the_access_row(case, case_worker_a):
    """On PostgreSQL the row triggers refuse UPDATE and DELETE of the access event."""
    event = pii_access_record(actor=case_worker_a, case=case, kind=PiiKind.ID_NUMBER, fields=["x"], reason=REASON)
    for statement in (
        "UPDATE core_auditevent SET data = '{}' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).data["reason"] == REASON


def test_mask_account():
    assert mask_account("6222021234567890123") == "6222***********0123"
    assert mask_account("1234") == "****"
    assert mask_account("") == ""


def test_register_line_form_masks_id_numbers_and_keeps_them_when_unchanged(region, county_officer, client_for):
    """The staff-relative register (MSL 11) showed full ID numbers on a line's form; now
    masked there too. Sending the masked value back keeps the stored number, a new
    number typed in full replaces it."""
    from tests.dibao.test_staff_register import RELATIVE_ID, STAFF_ID, line
    from workflows.dibao import register
    from workflows.dibao.models import StaffKinRecord
    from workflows.households.validators import mask_id_number

    record = register.staff_register_line_save(line=line(region), record=None, actor=county_officer)
    client = client_for(county_officer)
    url = reverse("dibao:staff_register_edit", args=[record.pk])
    html = client.get(url).content.decode()
    assert STAFF_ID not in html and RELATIVE_ID not in html
    assert mask_id_number(STAFF_ID) in html
    fields = {
        "county": region.county.pk, "township": region.township_a.pk, "village": region.village_a.pk,
        "staff_name": "陈村委（改）", "staff_id_number": mask_id_number(STAFF_ID), "position": "village_committee",
        "relation": "sibling", "relative_name": "陈十", "relative_id_number": mask_id_number(RELATIVE_ID),
    }  # fmt: skip
    assert client.post(url, fields).status_code == 302
    record = StaffKinRecord.objects.get(pk=record.pk)
    assert record.staff_name == "陈村委（改）"
    assert (record.staff_id_number, record.relative_id_number) == (STAFF_ID, RELATIVE_ID)

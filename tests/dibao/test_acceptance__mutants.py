"""Deadline services (domain.md §5, MSL 22): behaviour mutation testing found no test for
(issue 15 item 10)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.dibao.conftest import do, file_case
from workflows.core.models import AuditEvent, CalendarDay
from workflows.core.working_days import Calendar
from workflows.dibao import services
from workflows.dibao.models import DibaoProcess, NoticeRound, OverdueAlert
from workflows.dibao.services.errors import ERR_MATERIALS_NOT_ALL_RECEIVED, ERR_MISSING_ALREADY_NOTIFIED

D = datetime.date


def test_changing_the_extension_reason_audits_only_the_reason(region, case_worker_a, fixed_calendar):
    """MSL 22 (45 working days for an enumerated reason): the first extension records the
    reason and the new due date; changing the reason later leaves the due date as it was,
    so its audit row holds the reason alone (old and new), not a due date "from nothing"."""
    process = file_case(case_worker_a, region.village_a)
    process = do(process, "accept", case_worker_a, services.dibao_accept, missing=[], on=D(2026, 9, 1), delegated=True)
    services.dibao_extend(process=process, reason="household_split", actor=case_worker_a)
    process = DibaoProcess.objects.get(pk=process.pk)
    services.dibao_extend(process=process, reason="cross_area", actor=case_worker_a)
    first, second = AuditEvent.objects.filter(process_id=process.pk, action="dibao.extend").order_by("pk")
    assert set(first.changes) == {"extension_reason", "extended_due_on"}
    assert first.changes["extended_due_on"][0] is None
    assert second.changes == {"extension_reason": ["household_split", "cross_area"]}


# --- recomputing the stored deadlines after a calendar change (MSL 21, 22; TK 15, 16) ---
HOLIDAY = D(2026, 12, 14)  # a Monday the new calendar makes a holiday
ACCEPTED = D(2026, 12, 1)
STALE = D(2027, 3, 1)  # a stored deadline the new calendar gives differently
NEW_CALENDAR = Calendar({HOLIDAY: CalendarDay.Kind.HOLIDAY}, years={2026, 2027})


def _stored(process, **fields):
    DibaoProcess.objects.filter(pk=process.pk).update(**fields)
    return DibaoProcess.objects.get(pk=process.pk)


def _notice(process, round_=1):
    at = timezone.make_aware(datetime.datetime(2026, 12, 2, 10, 0))
    return NoticeRound.objects.create(
        process=process, round=round_, token=f"t{process.pk}-{round_}", posted_at=at, ends_at=at
    )


def test_recomputing_moves_the_open_cases_deadlines_on_the_new_calendar(region, case_worker_a, county_officer):
    """MSL 22, 21 (domain.md §5): after a calendar change each open case's stored deadlines
    are recomputed on the calendar the change produced: the dibao decision deadline and the
    45-day extension from acceptance (a posted notice does not stop a dibao deadline), and
    the refusal letter's deadline from the decision while the letter is not issued. Each
    case that moved gets one history event naming who changed the calendar and why, and
    the count of moved cases is returned.

    The negatives, on cases whose stored dates the new calendar would change: a letter
    already issued and a decided case's decision deadline stay; an ended or cancelled case
    stays; a 特困 case past its first notice keeps its stage deadline (TK 15, 16)."""
    CalendarDay.objects.all().delete()  # the stored calendar has no holiday in December
    kept = {"accepted_on": ACCEPTED, "delegated": True, "due_on": STALE}
    # Created first (lowest pk): a case that does not move must not stop the others.
    issued = _stored(file_case(case_worker_a, region.village_a), **kept, decided_on=D(2026, 12, 4),
                     letter_due_on=STALE, letter_issued_on=D(2026, 12, 7))  # fmt: skip
    done = _stored(file_case(case_worker_a, region.village_a), **kept, status="DONE")
    canceled = _stored(file_case(case_worker_a, region.village_a), **kept, status="CANCELED")
    tekun = _stored(file_case(case_worker_a, region.village_a, programme="tekun"), **kept)
    _notice(tekun)
    dibao = _stored(file_case(case_worker_a, region.village_a), **kept, extension_reason="household_split",
                    extended_due_on=STALE)  # fmt: skip
    _notice(dibao)
    refused = _stored(file_case(case_worker_a, region.village_a), **kept, decided_on=D(2026, 12, 11),
                      letter_due_on=STALE)  # fmt: skip

    moved = services.dibao_recompute_deadlines(
        calendar=NEW_CALENDAR, since=D(2026, 12, 1), actor=county_officer, reason="国务院通知"
    )

    assert moved == 2
    dibao = DibaoProcess.objects.get(pk=dibao.pk)
    assert dibao.due_on == NEW_CALENDAR.add_working_days(ACCEPTED, 20) == D(2026, 12, 30)
    assert dibao.extended_due_on == NEW_CALENDAR.add_working_days(ACCEPTED, 45) == D(2027, 2, 3)
    # Friday 11 December: 15, 16, 17 December (Monday 14 is the new holiday).
    assert DibaoProcess.objects.get(pk=refused.pk).letter_due_on == D(2026, 12, 17)
    for unmoved in (issued, done, canceled, tekun):
        process = DibaoProcess.objects.get(pk=unmoved.pk)
        assert (process.due_on, process.letter_due_on) == (STALE, unmoved.letter_due_on)
    events = AuditEvent.objects.filter(action="dibao.deadline_recomputed")
    assert sorted(events.values_list("process_id", flat=True)) == [dibao.pk, refused.pk]
    assert {(e.actor_id, e.data["reason"]) for e in events} == {(county_officer.pk, "国务院通知")}
    assert events.get(process_id=refused.pk).changes == {"letter_due_on": [str(STALE), "2026-12-17"]}


def test_a_tekun_stage_due_date_is_audited_from_its_old_value_and_only_when_it_moves(
    region, case_worker_a, fixed_calendar
):
    """TK 16: a 特困 case's decision is due 10 working days after its notice ends (19 October
    2026: 20-23, 26-30 October, 2 November); the audited change holds the stage deadline
    it replaced. The negative: a stage deadline that does not move audits no change."""
    process = _stored(file_case(case_worker_a, region.village_a, programme="tekun"), due_on=D(2026, 10, 26))
    notice = _notice(process)
    notice.ends_at = timezone.make_aware(datetime.datetime(2026, 10, 19, 10, 0))
    assert services._tekun_stage_due(process, notice, 10) == {"due_on": ["2026-10-26", "2026-11-02"]}
    assert DibaoProcess.objects.get(pk=process.pk).due_on == D(2026, 11, 2)
    assert services._tekun_stage_due(process, notice, 10) == {}


# --- missing materials: one notice listing them all (MSL 10) -----------------------------
def test_missing_materials_are_listed_once_completed_together_then_the_case_is_accepted(
    region, case_worker_a, fixed_calendar, monkeypatch
):
    """MSL 10: the case worker lists every missing item (blank entries dropped) and the case
    is not accepted yet; the one-time notice lists them by name (an item outside the
    standard list as written), dated today, in the name of whoever filed the case. The
    negatives: after the notice no further item may be asked for, and the materials count
    as complete only when every notified item has arrived, the message naming what is
    still outstanding. Then the case is accepted today (MSL 22: 20 working days under
    delegation) and each step is audited with who did it and what changed."""
    monkeypatch.setattr(services, "_today", lambda: D(2026, 9, 29))
    process = file_case(case_worker_a, region.village_a)
    process = services.dibao_accept(
        process=process, missing=["income_proof", "", "village_letter"], delegated=False, actor=case_worker_a
    )
    assert (process.accepted_on, process.missing_materials) == (None, ["income_proof", "village_letter"])
    missing = AuditEvent.objects.get(process_id=process.pk, action="dibao.materials_missing")
    assert missing.actor_id == case_worker_a.pk
    assert missing.changes == {
        "missing_materials": [[], ["income_proof", "village_letter"]],
        "delegated": [True, False],
    }

    services.dibao_notify_missing(process=process)
    notice = AuditEvent.objects.get(process_id=process.pk, action="dibao.missing_notice")
    assert (notice.actor_id, notice.changes, notice.data) == (
        process.filed_by_id,
        {"missing_notified_on": [None, "2026-09-29"]},
        {"items": ["收入情况证明", "village_letter"]},
    )
    with pytest.raises(ValidationError) as exc:
        services.dibao_accept(process=process, missing=["truthfulness"], delegated=True, actor=case_worker_a)
    assert exc.value.messages == [str(ERR_MISSING_ALREADY_NOTIFIED % {"items": "truthfulness"})]
    with pytest.raises(ValidationError) as exc:
        services.dibao_complete_materials(process=process, received=["village_letter"], actor=case_worker_a)
    assert exc.value.messages == [str(ERR_MATERIALS_NOT_ALL_RECEIVED % {"items": "收入情况证明"})]

    services.dibao_complete_materials(process=process, received=["village_letter", "income_proof"], actor=case_worker_a)
    completed = AuditEvent.objects.get(process_id=process.pk, action="dibao.materials_completed")
    assert (completed.actor_id, completed.data) == (case_worker_a.pk, {"received": ["village_letter", "income_proof"]})
    process = services.dibao_accept(
        process=DibaoProcess.objects.get(pk=process.pk), missing=[], delegated=True, actor=case_worker_a
    )
    assert (process.accepted_on, process.accepted_by, process.due_on) == (D(2026, 9, 29), case_worker_a, D(2026, 11, 2))
    accepted = AuditEvent.objects.get(process_id=process.pk, action="dibao.accept")
    assert accepted.actor_id == case_worker_a.pk
    assert accepted.changes == {
        "accepted_on": [None, "2026-09-29"],
        "delegated": [False, True],
        "due_on": [None, "2026-11-02"],
        # MSL 15: Sep 30, Oct 8, 9 (National Day off).
        "investigation_due_on": [None, "2026-10-09"],
    }


def test_an_extension_is_audited_in_the_name_of_who_granted_it(region, case_worker_a, fixed_calendar):
    """MSL 22: the 45-day extension is stored with its reason and due date and audited as the
    case worker's act."""
    process = file_case(case_worker_a, region.village_a)
    process = services.dibao_accept(process=process, missing=[], on=D(2026, 9, 29), delegated=True, actor=case_worker_a)
    services.dibao_extend(process=process, reason="household_split", actor=case_worker_a)
    stored = DibaoProcess.objects.get(pk=process.pk)
    assert (stored.extension_reason, stored.extended_due_on) == ("household_split", D(2026, 12, 7))
    event = AuditEvent.objects.get(process_id=process.pk, action="dibao.extend")
    assert event.actor_id == case_worker_a.pk
    assert event.changes == {"extension_reason": ["", "household_split"], "extended_due_on": [None, "2026-12-07"]}


def test_a_second_acceptance_audits_the_dates_it_replaced_and_an_extension_at_acceptance(
    region, case_worker_a, fixed_calendar
):
    """MSL 22: accepting a case again (after a send-back) audits the acceptance date and
    decision deadline it replaced, not "from nothing"; a lawful extension reason given at
    acceptance extends the deadline at once (45 working days), in the same audit row."""
    process = file_case(case_worker_a, region.village_a)
    process = services.dibao_accept(process=process, missing=[], on=D(2026, 9, 29), delegated=True, actor=case_worker_a)
    process = services.dibao_accept(
        process=process, missing=[], on=D(2026, 10, 12), delegated=True, extension_reason="cross_area",
        actor=case_worker_a,
    )  # fmt: skip
    second = AuditEvent.objects.filter(process_id=process.pk, action="dibao.accept").order_by("pk").last()
    assert second.changes["accepted_on"] == ["2026-09-29", "2026-10-12"]
    assert second.changes["due_on"] == ["2026-11-02", "2026-11-09"]
    assert second.changes["extension_reason"] == ["", "cross_area"]
    assert DibaoProcess.objects.get(pk=process.pk).extended_due_on == process.extended_due_on is not None


def test_the_materials_messages_list_every_item_joined_and_unknown_ones_as_written(region, case_worker_a, monkeypatch):
    """MSL 10: the refusals name every item concerned, joined with 、; an item outside the
    standard list is named as it was written."""
    monkeypatch.setattr(services, "_today", lambda: D(2026, 9, 29))
    process = services.dibao_accept(
        process=file_case(case_worker_a, region.village_a), missing=["income_proof", "village_letter"],
        delegated=True, actor=case_worker_a,
    )  # fmt: skip
    services.dibao_notify_missing(process=process)
    with pytest.raises(ValidationError) as exc:
        services.dibao_accept(process=process, missing=["truthfulness", "lease"], delegated=True, actor=case_worker_a)
    assert exc.value.messages == [str(ERR_MISSING_ALREADY_NOTIFIED % {"items": "truthfulness、lease"})]
    with pytest.raises(ValidationError) as exc:
        services.dibao_complete_materials(process=process, received=[], actor=case_worker_a)
    assert exc.value.messages == [str(ERR_MATERIALS_NOT_ALL_RECEIVED % {"items": "收入情况证明、village_letter"})]


def test_the_notice_and_the_extension_write_only_their_own_columns(region, case_worker_a, fixed_calendar):
    """The one-time notice and the extension save only the fields they set: a change another
    request made to the case meanwhile (here its note on entrustment) is not overwritten by the
    copy of the case the service was given."""
    process = services.dibao_accept(
        process=file_case(case_worker_a, region.village_a), missing=["income_proof"], delegated=True,
        actor=case_worker_a,
    )  # fmt: skip
    DibaoProcess.objects.filter(pk=process.pk).update(entrustment_note="委托甲")
    services.dibao_notify_missing(process=process)
    assert DibaoProcess.objects.get(pk=process.pk).entrustment_note == "委托甲"
    accepted = services.dibao_accept(
        process=file_case(case_worker_a, region.village_a), missing=[], on=D(2026, 9, 29), delegated=True,
        actor=case_worker_a,
    )  # fmt: skip
    DibaoProcess.objects.filter(pk=accepted.pk).update(entrustment_note="委托乙")
    services.dibao_extend(process=accepted, reason="household_split", actor=case_worker_a)
    assert DibaoProcess.objects.get(pk=accepted.pk).entrustment_note == "委托乙"


# --- overdue alerts (MSL 15, 17, 21, 22) ------------------------------------------------
TODAY = D(2026, 11, 4)


def test_overdue_alerts_for_open_cases_only_counted_and_audited(region, case_worker_a, fixed_calendar):
    """MSL 22, 21: each open case past its decision deadline gets one alert, counted, with a
    history event naming the deadline, its kind and the alert. The negatives: a cancelled
    case, a case ended without a decision, and a refused case whose letter went out (even
    late) raise nothing any more."""
    past = {"accepted_on": D(2026, 9, 1), "due_on": D(2026, 10, 1)}
    first = _stored(file_case(case_worker_a, region.village_a), **past)
    second = _stored(file_case(case_worker_a, region.village_a), **past)
    _stored(file_case(case_worker_a, region.village_a), **past, status="CANCELED")
    _stored(file_case(case_worker_a, region.village_a), **past, status="DONE")
    _stored(file_case(case_worker_a, region.village_a), **past, status="DONE", decision="refused",
            decided_on=D(2026, 9, 30), letter_due_on=D(2026, 10, 5), letter_issued_on=D(2026, 10, 9))  # fmt: skip

    assert services.overdue_alerts_raise(today=TODAY) == 2

    assert sorted(OverdueAlert.objects.values_list("process_id", flat=True)) == [first.pk, second.pk]
    alert = OverdueAlert.objects.get(process=first)
    event = AuditEvent.objects.get(process_id=first.pk, action="dibao.overdue")
    assert event.data == {"due_on": "2026-10-01", "kind": "decision", "alert": alert.pk}


def test_the_data_check_start_is_looked_up_only_once_overdue_and_unknown(
    region, case_worker_a, fixed_calendar, monkeypatch
):
    """MSL 17: the county's start of the data check is looked up for a case whose check
    deadline has passed with no start recorded. The negatives: on the deadline day itself
    nothing is looked up yet, and a recorded start is never replaced."""
    monkeypatch.setattr(services, "_finance_check_started_on", lambda process: D(2026, 11, 3))
    due_today = _stored(file_case(case_worker_a, region.village_a), accepted_on=D(2026, 10, 29), check_due_on=TODAY)
    recorded = _stored(file_case(case_worker_a, region.village_a), accepted_on=D(2026, 9, 29),
                       check_due_on=D(2026, 10, 9), check_started_on=D(2026, 10, 8))  # fmt: skip
    overdue = _stored(
        file_case(case_worker_a, region.village_a), accepted_on=D(2026, 9, 29), check_due_on=D(2026, 10, 9)
    )
    services.overdue_alerts_raise(today=TODAY)
    assert DibaoProcess.objects.get(pk=due_today.pk).check_started_on is None
    assert DibaoProcess.objects.get(pk=recorded.pk).check_started_on == D(2026, 10, 8)
    assert DibaoProcess.objects.get(pk=overdue.pk).check_started_on == D(2026, 11, 3)


def test_recording_the_data_check_start_writes_only_that_column(region, case_worker_a, fixed_calendar, monkeypatch):
    """MSL 17: the alert run records the county's start of the data check and nothing else:
    a change made to the case while the start was being looked up is kept."""
    process = _stored(
        file_case(case_worker_a, region.village_a), accepted_on=D(2026, 9, 29), check_due_on=D(2026, 10, 9)
    )

    def started_on(case):
        DibaoProcess.objects.filter(pk=case.pk).update(entrustment_note="委托丙")
        return D(2026, 11, 3)

    monkeypatch.setattr(services, "_finance_check_started_on", started_on)
    services.overdue_alerts_raise(today=TODAY)
    stored = DibaoProcess.objects.get(pk=process.pk)
    assert (stored.check_started_on, stored.entrustment_note) == (D(2026, 11, 3), "委托丙")

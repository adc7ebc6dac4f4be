"""Receiving and handling monitoring signals (LI23: 动态监测、主动发现; domain.md §8)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories
from tests.monitoring.helpers import receive
from workflows.caseload.models import Recheck, RecheckReason
from workflows.cooperation.models import Referral
from workflows.core.models import AuditEvent
from workflows.monitoring import services
from workflows.monitoring.models import MonitoringRule, Signal, UnmatchedSignal

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI)


# --- receiving and matching -------------------------------------------------------------


def test_a_registered_id_number_lands_on_its_households_township_list(region, county_officer, person_a):
    """LI23: a department's signal naming a registered person becomes a signal of the
    household's township, with household and member matched; ID typed in lower case and
    with spaces still matches (normalised)."""
    signal = receive(county_officer, region.county, f" {person_a.id_number.lower()} ")
    assert isinstance(signal, Signal)
    assert (signal.household_id, signal.member_id, signal.township_id) == (
        person_a.household_id, person_a.pk, region.township_a.pk,
    )  # fmt: skip
    assert signal.status == Signal.Status.OPEN
    event = AuditEvent.objects.get(action="monitoring.signal_receive", target_id=str(signal.pk))
    assert event.changes["status"] == [None, "open"]


def test_an_unknown_id_number_is_kept_for_the_county_only(region, county_officer, stranger_id):
    """LI23: an ID number outside the registered population is recorded separately for the
    county; no township signal is created."""
    result = receive(county_officer, region.county, stranger_id)
    assert isinstance(result, UnmatchedSignal)
    assert not Signal.objects.exists()
    assert AuditEvent.objects.filter(action="monitoring.signal_unmatched").count() == 1


def test_an_invalid_id_number_is_refused(region, county_officer):
    """GB 11643: a wrong check digit is refused, nothing is recorded."""
    with pytest.raises(ValidationError):
        receive(county_officer, region.county, "990101198001011230")
    assert not Signal.objects.exists() and not UnmatchedSignal.objects.exists()


def test_a_township_report_matches_only_its_own_households(region, case_worker_a, person_a, person_b):
    """A township worker's report about a person registered in another township is not
    matched there: the township learns nothing of other townships' books (county routes it)."""
    ours = receive(case_worker_a, region.county, person_a.id_number, kind="village_report", source="staff")
    theirs = receive(case_worker_a, region.county, person_b.id_number, kind="village_report", source="staff")
    assert isinstance(ours, Signal) and ours.reported_by == case_worker_a
    assert isinstance(theirs, UnmatchedSignal)


def test_someone_without_a_reporting_role_cannot_report(region, auditor, outsider, case_worker_b, person_a):
    """Only county officers and township/village staff report; an auditor or an outsider cannot."""
    for user in (auditor, outsider):
        with pytest.raises(PermissionDenied):
            receive(user, region.county, person_a.id_number)
    other = factories.CountyFactory(code="880101", name="别县")
    with pytest.raises(PermissionDenied):
        receive(case_worker_b, other, person_a.id_number)


def test_a_future_date_is_refused(region, county_officer, person_a):
    with pytest.raises(ValidationError):
        receive(county_officer, region.county, person_a.id_number,
                occurred_on=timezone.localdate() + datetime.timedelta(days=1))  # fmt: skip


# --- due dates ---------------------------------------------------------------------------


def test_due_dates_are_working_days_per_kind_with_the_defaults(region, county_officer, person_a, fixed_calendar):
    """LI23 (快速响应): a death is due in 3 working days, anything else in 10; the National Day
    holiday (Oct 1-7 2026) does not count and the Oct 10 make-up Saturday does."""
    received = at(datetime.date(2026, 9, 30))
    death = receive(county_officer, region.county, person_a.id_number, kind="death", source="public_security",
                    occurred_on=datetime.date(2026, 9, 29), received_at=received)  # fmt: skip
    bills = receive(county_officer, region.county, person_a.id_number, kind="hospitalisation",
                    occurred_on=datetime.date(2026, 9, 29), received_at=received)  # fmt: skip
    assert death.due_on == datetime.date(2026, 10, 10)
    assert bills.due_on == datetime.date(2026, 10, 20)


def test_a_county_rule_version_sets_its_own_times(region, county_officer, person_a, fixed_calendar):
    """The times are a versioned county rule: a version in force replaces the defaults."""
    MonitoringRule.objects.create(county=region.county, effective_from=datetime.date(2026, 1, 1), death_days=1,
                                  school_aid_days=5)  # fmt: skip
    received = at(datetime.date(2026, 9, 28))
    death = receive(county_officer, region.county, person_a.id_number, kind="death", source="public_security",
                    occurred_on=datetime.date(2026, 9, 27), received_at=received)  # fmt: skip
    aid = receive(county_officer, region.county, person_a.id_number, kind="school_aid", source="education",
                  occurred_on=datetime.date(2026, 9, 27), received_at=received)  # fmt: skip
    assert death.due_on == datetime.date(2026, 9, 29)
    assert aid.due_on == datetime.date(2026, 10, 10)


# --- handling ----------------------------------------------------------------------------


@pytest.fixture
def signal_a(region, county_officer, person_a):
    return receive(county_officer, region.county, person_a.id_number)


def test_dismissal_with_a_reason_closes_the_signal_with_an_audit_row(signal_a, case_worker_a):
    """LI23: "record why no action is needed": the reason is kept, old and new status audited."""
    signal = services.signal_dismiss(signal=signal_a, reason="已核实：医保报销后自付部分较少。", actor=case_worker_a)
    assert (signal.status, signal.handling, signal.handled_by) == ("dismissed", "dismissal", case_worker_a)
    event = AuditEvent.objects.get(action="monitoring.signal_dismissal")
    assert event.changes["status"] == ["open", "dismissed"]


def test_dismissal_without_a_reason_is_refused(signal_a, case_worker_a):
    with pytest.raises(ValidationError) as exc:
        services.signal_dismiss(signal=signal_a, reason="  ", actor=case_worker_a)
    assert str(services.ERR_REASON) in exc.value.messages
    signal_a.refresh_from_db()
    assert signal_a.is_open


def test_the_reporter_cannot_dismiss_their_own_report(region, case_worker_a, case_worker_a2, person_a):
    """Four eyes: a worker's own report is dismissed only by another case worker."""
    signal = receive(case_worker_a, region.county, person_a.id_number, kind="village_report", source="staff")
    with pytest.raises(PermissionDenied) as exc:
        services.signal_dismiss(signal=signal, reason="无", actor=case_worker_a)
    assert str(exc.value) == str(services.ERR_OWN_REPORT)
    services.signal_dismiss(signal=signal, reason="已入户核实，家庭收入稳定。", actor=case_worker_a2)


def test_only_the_townships_case_worker_handles(signal_a, case_worker_b, approver_a, county_officer):
    for user in (case_worker_b, approver_a, county_officer):
        with pytest.raises(PermissionDenied):
            services.signal_dismiss(signal=signal_a, reason="理由", actor=user)


def test_a_handled_signal_cannot_be_handled_again(signal_a, case_worker_a):
    services.signal_dismiss(signal=signal_a, reason="理由", actor=case_worker_a)
    with pytest.raises(ValidationError):
        services.signal_dismiss(signal=signal_a, reason="理由", actor=case_worker_a)


def test_referral_goes_through_the_cooperation_service(signal_a, case_worker_a, case_a):
    """SAI 60 / LI23: the family is referred on its case; the referral is recorded on the signal."""
    signal = services.signal_refer(signal=signal_a, department="medical", need="大额住院费用，申请医疗救助。",
                                   actor=case_worker_a)  # fmt: skip
    referral = Referral.objects.get()
    assert (signal.status, signal.handling, signal.referral) == ("handled", "referral", referral)
    assert referral.process_id == case_a.pk and referral.household_id == case_a.household_id
    assert AuditEvent.objects.filter(action="cooperation.referral_create").count() == 1


def test_a_referral_needs_a_case_of_the_household(region, county_officer, person_b, case_worker_b):
    signal = receive(county_officer, region.county, person_b.id_number)
    with pytest.raises(ValidationError):
        services.signal_refer(signal=signal, department="medical", need="x", actor=case_worker_b)
    assert not Referral.objects.exists()


def test_a_recipients_death_brings_the_recheck_forward(region, county_officer, person_a, benefit_a, case_worker_a):
    """MSL 31 via the caseload's ``recheck_on_death``: a death signal of a recipient opens the
    death re-check; the signal is handled by it."""
    died = timezone.localdate() - datetime.timedelta(days=2)
    signal = receive(county_officer, region.county, person_a.id_number, kind="death", source="public_security",
                     occurred_on=died)  # fmt: skip
    signal = services.signal_recheck_on_death(signal=signal, actor=case_worker_a)
    recheck = Recheck.objects.get(benefit=benefit_a)
    assert (recheck.reason, recheck.event_on) == (RecheckReason.DEATH, died)
    assert (signal.status, signal.handling) == ("handled", "recheck")


def test_a_death_recheck_needs_a_benefit_and_a_death(region, county_officer, person_b, case_worker_b, person_a,
                                                      case_worker_a):  # fmt: skip
    death = receive(county_officer, region.county, person_b.id_number, kind="death", source="public_security")
    with pytest.raises(ValidationError):
        services.signal_recheck_on_death(signal=death, actor=case_worker_b)
    bills = receive(county_officer, region.county, person_a.id_number)
    with pytest.raises(ValidationError):
        services.signal_recheck_on_death(signal=bills, actor=case_worker_a)


def test_a_case_opened_since_the_signal_is_recorded_on_it(signal_a, case_worker_a, case_a):
    """Opening a case proactively (主动受理): the household's case filed after the signal."""
    case_a.created = signal_a.received_at + datetime.timedelta(minutes=5)
    case_a.save(update_fields=["created"])
    signal = services.signal_record_case(signal=signal_a, process=case_a, actor=case_worker_a)
    assert (signal.handling, signal.case_id, signal.case_ref) == ("case", case_a.pk, case_a.case_number)


def test_an_older_case_or_another_households_case_is_refused(signal_a, case_worker_a, case_a, region):
    case_a.created = signal_a.received_at - datetime.timedelta(days=5)
    case_a.save(update_fields=["created"])
    with pytest.raises(ValidationError):
        services.signal_record_case(signal=signal_a, process=case_a, actor=case_worker_a)
    from tests.workspace.conftest import make_case

    other = make_case(region.village_a, name="别人")
    with pytest.raises(ValidationError):
        services.signal_record_case(signal=signal_a, process=other, actor=case_worker_a)


# --- overdue -----------------------------------------------------------------------------


def test_overdue_signals_are_flagged_once_and_the_township_told(region, county_officer, person_a, case_worker_a,
                                                               mailoutbox, django_capture_on_commit_callbacks):  # fmt: skip
    """LI23: a signal not handled within its time is raised as overdue (once), the township's
    case workers get an e-mail; a handled or not-yet-due signal is not raised."""
    case_worker_a.email = "worker_a@example.org"
    case_worker_a.save()
    late = receive(county_officer, region.county, person_a.id_number)
    done = receive(county_officer, region.county, person_a.id_number)
    services.signal_dismiss(signal=done, reason="理由", actor=case_worker_a)
    not_yet = receive(county_officer, region.county, person_a.id_number)
    day_after_due = late.due_on + datetime.timedelta(days=1)
    Signal.objects.filter(pk=not_yet.pk).update(due_on=day_after_due)  # due that day: not late yet
    with django_capture_on_commit_callbacks(execute=True):
        assert services.signals_raise_overdue(today=day_after_due) == 1
    late.refresh_from_db()
    assert late.overdue_raised_on == day_after_due
    assert services.signals_raise_overdue(today=day_after_due) == 0  # once only
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["worker_a@example.org"]
    assert AuditEvent.objects.filter(action="monitoring.signal_overdue").count() == 1


def test_the_beat_task_runs_the_overdue_service(region, county_officer, person_a):
    """The periodic task holds no logic: it flags today's overdue signals through the service."""
    from workflows.monitoring.tasks import raise_overdue_signals

    late = receive(county_officer, region.county, person_a.id_number)
    Signal.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    assert raise_overdue_signals.run() == 1
    late.refresh_from_db()
    assert late.overdue_raised_on == timezone.localdate()

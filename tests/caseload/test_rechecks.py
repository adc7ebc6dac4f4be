"""Re-checks (MSL 31): the cadence chosen from the household at approval (6 months with an
able-bodied member of working age or unstable income, 12 months for stable households,
both county rules), a fresh finance check under fresh consent, a simplified home visit,
and continue / adjust / stop with the next re-check scheduled; a recorded death brings the
re-check within 3 months, a reported income change opens one at once; beat opens them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.dibao.conftest import file_case, member
from workflows.caseload import services
from workflows.caseload.models import (
    Benefit,
    BenefitStatus,
    CaseloadRule,
    ChangeKind,
    Ground,
    Recheck,
    RecheckOutcome,
    RecheckReason,
)
from workflows.caseload.months import months_after
from workflows.caseload.services import errors
from workflows.caseload.services import rechecks as rechecks_module
from workflows.core.models import AuditEvent
from workflows.households.models import Consent, DeclaredIncome

from .conftest import approve_through_flow, open_benefit

ON = datetime.date(2027, 3, 10)


def _schedule(benefit, after=ON):
    return services.recheck_schedule(benefit=benefit, after=after, actor=None)


# --- cadence at approval -------------------------------------------------------------
def test_a_stable_household_is_rechecked_yearly_from_approval(approved_dibao):
    """MSL 31: two members in their fifties, neither able to work, no wage or business
    income: the approval schedules the re-check 12 months after the decision."""
    benefit = Benefit.objects.get(source_case_id=approved_dibao.pk)
    (recheck,) = benefit.rechecks.all()
    assert benefit.recheck_months == 12
    assert recheck.reason == RecheckReason.SCHEDULED and recheck.is_open and recheck.opened_on is None
    assert recheck.due_on == approved_dibao.decided_on.replace(year=approved_dibao.decided_on.year + 1)
    assert benefit.next_recheck_due == recheck.due_on
    assert AuditEvent.objects.filter(chain=f"case:{approved_dibao.pk}", action="caseload.recheck_scheduled").exists()


def test_a_household_with_an_able_bodied_member_is_rechecked_every_six_months(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch
):
    """MSL 31: an able-bodied member of working age makes the cadence 6 months, chosen at approval."""
    members = [member(), member("李四", relation="spouse", birth=datetime.date(1990, 5, 2), seq=202, can_work=True)]
    process = file_case(case_worker_a, region.village_a, members=members)
    process = approve_through_flow(
        process, fake_finance_check, monkeypatch, case_worker_a, case_worker_a2, approver_a, approver_a2
    )
    benefit = Benefit.objects.get(source_case_id=process.pk)
    assert benefit.recheck_months == 6
    decided = process.decided_on
    assert benefit.next_recheck_due == rechecks_module.months_after(decided, 6)


@pytest.mark.parametrize(
    ("setup", "stable"),
    [
        ({"birth": datetime.date(1950, 1, 1), "can_work": True}, True),  # elderly, whatever the capacity
        ({"birth": datetime.date(1990, 1, 1), "can_work": True, "is_disabled": True}, True),  # severely disabled
        ({"birth": datetime.date(1990, 1, 1), "can_work": False}, True),  # no working capacity
        ({"birth": datetime.date(1990, 1, 1), "can_work": True}, False),  # able-bodied, working age
    ],
)
def test_which_households_are_stable(region, setup, stable):
    """MSL 31: stable = no able-bodied member of working age (16-59) and no wage or business income."""
    household = factories.HouseholdFactory(village=region.village_a)
    birth = setup.pop("birth")
    factories.MemberFactory(household=household, id_number=factories.make_id_number(birth, seq=321), **setup)
    assert services.household_is_stable(household, ON) is stable


def test_wage_income_makes_a_household_unstable(region):
    """MSL 31: a member with declared wage income (income not fixed) makes the cadence 6 months."""
    household = factories.HouseholdFactory(village=region.village_a)
    elder = factories.MemberFactory(household=household, id_number=factories.make_id_number(datetime.date(1950, 1, 1)))
    assert services.household_is_stable(household, ON)
    factories.IncomeFactory(member=elder, monthly_amount=Decimal("300.00"))
    assert not services.household_is_stable(household, ON)


def test_the_cadences_are_county_rules(region, case_worker_a):
    """MSL 31 leaves the figures to the county: a version in force replaces the defaults,
    from its effective date."""
    benefit = open_benefit(case_worker_a, region.village_a)
    CaseloadRule.objects.create(county=region.county, effective_from=datetime.date(2027, 1, 1), stable_recheck_months=9)
    assert services.recheck_months_for(benefit, datetime.date(2026, 12, 31)) == 12
    assert services.recheck_months_for(benefit, ON) == 9
    assert _schedule(benefit).due_on == datetime.date(2027, 12, 10)


@pytest.mark.parametrize(("programme", "months"), [("dibao", 6), ("tekun", 12), ("low_income", 12)])
def test_a_programme_rechecked_at_one_cadence_ignores_the_households_stability(
    region, case_worker_a, county_officer, programme, months
):
    """MSL 31 halves the cadence for 低保 households with an able-bodied member of working
    age; 特困 and 低收入家庭 (domain.md §8: "re-checked yearly") are re-checked at the county's
    yearly cadence whatever the household, at approval and when the county's caseload is
    scheduled at once (``RecheckPolicy.by_stability``)."""
    able = open_benefit(case_worker_a, region.village_a)
    able.household.members.update(can_work=True)
    Benefit.objects.filter(pk=able.pk).update(programme=programme)
    able.refresh_from_db()
    assert services.recheck_months_for(able, ON) == months
    assert services.recheck_schedule_caseload(county=region.county, after=ON, actor=county_officer) == 1
    able.refresh_from_db()
    assert able.recheck_months == months and able.next_recheck_due == months_after(ON, months)


# --- running a re-check --------------------------------------------------------------
@pytest.fixture
def stub_check(monkeypatch):
    requests = []

    def request(*, household, purpose, case_ref, actor):
        check = SimpleNamespace(pk=5000 + len(requests), case_ref=case_ref, purpose=purpose)
        requests.append(check)
        return check

    monkeypatch.setattr(rechecks_module, "_finance_check_request", request)
    return requests


def _fresh_consent(benefit, signed_on=ON):
    for m in benefit.household.adults(ON):
        factories.ConsentFactory(member=m, signed_on=signed_on)


def _checked_and_visited(benefit, worker, stub_check):
    recheck = _schedule(benefit, after=datetime.date(2026, 3, 10))
    services.recheck_open_due(today=datetime.date(2027, 3, 1))
    _fresh_consent(benefit)
    recheck = services.recheck_request_check(recheck=recheck, actor=worker, on=ON)
    assert stub_check[-1].case_ref == f"recheck:{recheck.pk}" and stub_check[-1].purpose == "dibao"
    services.recheck_record_check_result(recheck_id=recheck.pk, check_id=recheck.finance_check_id,
                                         outcome="eligible", result={"per_capita_income": "120.00"})  # fmt: skip
    return services.recheck_record_visit(recheck=recheck, visited_on=ON, findings="家中情况无变化。", actor=worker)


def test_continue_schedules_the_next_recheck(region, case_worker_a, approver_a, stub_check):
    """MSL 31: a re-check ending in continue schedules the next one a full cadence after the decision."""
    benefit = open_benefit(case_worker_a, region.village_a)
    recheck = _checked_and_visited(benefit, case_worker_a, stub_check)
    decided = datetime.date(2027, 3, 20)
    services.recheck_decide(recheck=recheck, outcome=RecheckOutcome.CONTINUE, actor=approver_a, on=decided)
    recheck.refresh_from_db()
    assert recheck.outcome == RecheckOutcome.CONTINUE and recheck.decided_by == approver_a and recheck.change is None
    following = benefit.rechecks.get(outcome="")
    assert following.due_on == datetime.date(2028, 3, 20)
    benefit.refresh_from_db()
    assert benefit.next_recheck_due == following.due_on and benefit.status == BenefitStatus.IN_FORCE


def test_adjust_is_a_change_decision_and_reschedules(region, case_worker_a, approver_a, stub_check):
    """MSL 31, 32: adjust reduces through ``benefit_change`` (ground, reasons, letter, next month)
    and the next re-check is scheduled."""
    benefit = open_benefit(case_worker_a, region.village_a)
    recheck = _checked_and_visited(benefit, case_worker_a, stub_check)
    services.recheck_decide(recheck=recheck, outcome=RecheckOutcome.ADJUST, ground=Ground.INCOME_INCREASED,
                            reasons="核对发现工资收入增加。", new_amount=Decimal("450.00"), actor=approver_a,
                            on=ON)  # fmt: skip
    recheck.refresh_from_db()
    assert recheck.change.kind == ChangeKind.REDUCE and recheck.change.letter_id
    assert recheck.change.effective_month == datetime.date(2027, 4, 1)
    assert benefit.rechecks.filter(outcome="").count() == 1


def test_stop_ends_the_benefit_and_schedules_nothing(region, case_worker_a, approver_a, stub_check):
    """MSL 32: stop is a stop decision with its letter; a stopped benefit has no next re-check."""
    benefit = open_benefit(case_worker_a, region.village_a)
    recheck = _checked_and_visited(benefit, case_worker_a, stub_check)
    services.recheck_decide(recheck=recheck, outcome=RecheckOutcome.STOP, ground=Ground.NO_LONGER_ELIGIBLE,
                            reasons="人均收入超过保障标准。", actor=approver_a, on=ON)  # fmt: skip
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.STOPPED and benefit.next_recheck_due is None
    assert not benefit.rechecks.filter(outcome="").exists()


def test_a_recheck_needs_fresh_consent(region, case_worker_a, stub_check):
    """MSL 9, 31: the authorisation signed for the application does not cover a re-check; the
    request is refused, naming who must sign, and no check is requested."""
    benefit = open_benefit(case_worker_a, region.village_a)
    recheck = _schedule(benefit, after=datetime.date(2026, 3, 10))
    services.recheck_open_due(today=ON)
    _fresh_consent(benefit, signed_on=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.recheck_request_check(recheck=recheck, actor=case_worker_a, on=ON)
    assert "赵大勇" in exc.value.messages[0]
    assert stub_check == []


def test_no_outcome_before_the_check_and_the_visit(region, case_worker_a, approver_a, case_worker_b, stub_check):
    """Negative: the approver cannot conclude without the check result and the visit; another
    township's staff cannot act on the re-check."""
    benefit = open_benefit(case_worker_a, region.village_a)
    recheck = _schedule(benefit)
    with pytest.raises(ValidationError) as exc:
        services.recheck_decide(recheck=recheck, outcome=RecheckOutcome.CONTINUE, actor=approver_a, on=ON)
    assert exc.value.messages == [str(errors.ERR_CHECK_NOT_DONE)]
    with pytest.raises(PermissionDenied):
        services.recheck_record_visit(recheck=recheck, visited_on=ON, findings="x", actor=case_worker_b)
    with pytest.raises(PermissionDenied):
        services.recheck_decide(recheck=recheck, outcome=RecheckOutcome.CONTINUE, actor=case_worker_a, on=ON)


# --- beat and events -----------------------------------------------------------------
def test_beat_opens_rechecks_coming_due(region, case_worker_a):
    """MSL 31: beat opens re-checks due within 30 days, and leaves later ones scheduled."""
    soon = _schedule(open_benefit(case_worker_a, region.village_a), after=datetime.date(2026, 4, 1))
    later = _schedule(open_benefit(case_worker_a, region.village_a), after=datetime.date(2026, 9, 1))
    assert services.recheck_open_due(today=datetime.date(2027, 3, 10)) == 1
    soon.refresh_from_db(), later.refresh_from_db()
    assert soon.opened_on == datetime.date(2027, 3, 10) and later.opened_on is None
    assert services.recheck_open_due(today=datetime.date(2027, 3, 10)) == 0  # idempotent


def test_a_death_brings_the_recheck_within_three_months(region, case_worker_a):
    """MSL 31: a recorded death opens the re-check due within 3 months of the death (earlier
    than the scheduled one); a later death does not push an earlier due date back."""
    benefit = open_benefit(case_worker_a, region.village_a)
    scheduled = _schedule(benefit)  # due 2028-03-10
    (recheck,) = services.recheck_on_death(household=benefit.household, died_on=datetime.date(2027, 5, 31),
                                           actor=case_worker_a, today=datetime.date(2027, 6, 2))  # fmt: skip
    assert recheck.pk == scheduled.pk
    assert recheck.reason == RecheckReason.DEATH and recheck.due_on == datetime.date(2027, 8, 31)
    assert recheck.opened_on == datetime.date(2027, 6, 2)
    benefit.refresh_from_db()
    assert benefit.next_recheck_due == datetime.date(2027, 8, 31)
    services.recheck_on_death(household=benefit.household, died_on=datetime.date(2027, 7, 1), actor=None)
    assert Recheck.objects.get(pk=recheck.pk).due_on == datetime.date(2027, 8, 31)


def test_a_death_recorded_by_another_township_is_refused(region, case_worker_a, case_worker_b):
    """Negative: only the household's township records events on its benefits."""
    benefit = open_benefit(case_worker_a, region.village_a)
    with pytest.raises(PermissionDenied):
        services.recheck_on_death(household=benefit.household, died_on=ON, actor=case_worker_b)
    assert not benefit.rechecks.exists()


def test_an_income_change_opens_a_recheck_at_once(region, case_worker_a):
    """MSL 31, 32: a reported income change makes the re-check due the day it is reported."""
    benefit = open_benefit(case_worker_a, region.village_a)
    _schedule(benefit)
    (recheck,) = services.recheck_on_income_change(household=benefit.household, reported_on=ON, actor=case_worker_a,
                                                   today=ON)  # fmt: skip
    assert recheck.reason == RecheckReason.INCOME_CHANGE and recheck.due_on == ON and recheck.opened_on == ON
    assert recheck.overdue_on(ON + datetime.timedelta(days=1))


def test_fresh_consents_are_recorded_with_the_request_and_must_be_the_households(region, case_worker_a, stub_check):
    """MSL 9, 31: the authorisations signed for the re-check are recorded with the request; a
    person outside the household, or a date before the re-check opened, is refused and
    nothing is requested."""
    benefit = open_benefit(case_worker_a, region.village_a)
    (recheck,) = services.recheck_on_income_change(household=benefit.household, reported_on=ON,
                                                   actor=case_worker_a, today=ON)  # fmt: skip
    stranger = factories.MemberFactory()
    with pytest.raises(ValidationError):
        services.recheck_request_check(recheck=recheck, actor=case_worker_a, on=ON, consents_from=[stranger.pk],
                                       consents_signed_on=ON)  # fmt: skip
    adults = [m.pk for m in benefit.household.adults(ON)]
    with pytest.raises(ValidationError):
        services.recheck_request_check(recheck=recheck, actor=case_worker_a, on=ON, consents_from=adults,
                                       consents_signed_on=ON - datetime.timedelta(days=1))  # fmt: skip
    recheck.refresh_from_db()
    assert not recheck.finance_check_id
    services.recheck_request_check(recheck=recheck, actor=case_worker_a, on=ON, consents_from=adults,
                                   consents_signed_on=ON)  # fmt: skip
    recheck.refresh_from_db()
    assert recheck.finance_check_id
    assert set(Consent.objects.filter(kind="check_authorisation", signed_on=ON, recorded_by=case_worker_a)
               .values_list("member_id", flat=True)) == set(adults)  # fmt: skip


def test_a_whole_countys_caseload_is_scheduled_in_chunks_at_each_households_cadence(
    region, case_worker_a, county_officer
):
    """MSL 31: scheduling the county's caseload at once gives each benefit without an open
    re-check the cadence ``recheck_months_for`` gives it (12 months stable, 6 with an able
    member of working age), chunk by chunk; benefits already under re-check, stopped ones
    and another county's are left alone; one audit row per chunk."""
    stable = open_benefit(case_worker_a, region.village_a)  # one member, unable to work
    able = open_benefit(case_worker_a, region.village_a)
    able.household.members.update(can_work=True)
    wage = open_benefit(case_worker_a, region.village_a)
    DeclaredIncome.objects.create(member=wage.household.members.first(), kind="wage", monthly_amount=Decimal("800"))
    busy = _schedule(open_benefit(case_worker_a, region.village_a))
    stopped = open_benefit(case_worker_a, region.village_a)
    Benefit.objects.filter(pk=stopped.pk).update(status=BenefitStatus.STOPPED)
    other_county = factories.TownshipFactory(code="880101001", county=factories.CountyFactory(code="880101"))
    elsewhere = open_benefit(case_worker_a, region.village_a)
    Benefit.objects.filter(pk=elsewhere.pk).update(county=other_county.county, township=other_county)
    expected = {b.pk: services.recheck_months_for(b, ON) for b in (stable, able, wage)}
    assert expected == {stable.pk: 12, able.pk: 6, wage.pk: 6}

    n = services.recheck_schedule_caseload(county=region.county, after=ON, actor=county_officer, chunk_size=2)
    assert n == 3
    for b in (stable, able, wage):
        b.refresh_from_db()
        recheck = b.rechecks.get(outcome="")
        assert b.recheck_months == expected[b.pk] and recheck.due_on == b.next_recheck_due
        assert recheck.due_on == months_after(ON, expected[b.pk]) and recheck.reason == RecheckReason.SCHEDULED
    assert busy.benefit.rechecks.count() == 1 and not stopped.rechecks.exists() and not elsewhere.rechecks.exists()
    chain = AuditEvent.objects.filter(action="caseload.recheck_scheduled_caseload").order_by("seq")
    assert [e.data["scheduled"] for e in chain] == [2, 1]
    assert services.recheck_schedule_caseload(county=region.county, after=ON, actor=None) == 0  # nothing left


def test_only_the_county_officer_schedules_the_caseload(region, case_worker_a):
    """A township case worker may not schedule the county's caseload; nothing is scheduled."""
    benefit = open_benefit(case_worker_a, region.village_a)
    with pytest.raises(PermissionDenied):
        services.recheck_schedule_caseload(county=region.county, after=ON, actor=case_worker_a)
    assert not benefit.rechecks.exists()

"""Referrals (一门受理、协同办理, SAI 60) and case conferences (个案会商), domain.md §8: the services."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from workflows.cooperation import services
from workflows.cooperation.models import Conference, ConferenceAction, Referral
from workflows.cooperation.services import ActionInput
from workflows.core import working_days
from workflows.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _refer(process, actor, **kw):
    data = {"department": "medical", "need": "住院费用自付部分无力承担"}
    data.update(kw)
    return services.referral_create(process=process, actor=actor, **data)


def _events(process, prefix="cooperation."):
    return list(
        AuditEvent.objects.filter(chain=f"case:{process.pk}", action__startswith=prefix)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _confer(process, actor, *, needs=("basic_living",), actions=None, held_on=None, **kw):
    today = timezone.localdate()
    data = {
        "held_on": held_on or today,
        "departments": ["civil_affairs", "medical"],
        "participants": "民政办 王主任；医保站 李站长",
        "needs": list(needs),
        "decision": "先由乡镇给予临时救助，医疗费用转医保部门按规定办理。",
        "actions": actions
        if actions is not None
        else [
            ActionInput(
                description="提交医疗救助申请", owner="医保站 李站长", due_on=today + datetime.timedelta(days=5)
            )
        ],
    }
    data.update(kw)
    return services.conference_record(process=process, actor=actor, **data)


# --- referrals -------------------------------------------------------------------------------


def test_case_worker_refers_a_dibao_household_with_a_due_date_in_working_days(dibao_case, case_worker_a):
    """SAI 60 (domain.md §8 一门受理、协同办理): the township window refers a family of any
    programme to another department; the answer is due in working days; the case's own audit
    chain records it, so the history replay shows it."""
    referral = _refer(dibao_case, case_worker_a, answer_working_days=7)
    today = timezone.localdate()
    assert referral.status == Referral.Status.OPEN and referral.department == "medical"
    assert referral.referred_on == today
    assert referral.due_on == working_days.add_working_days(today, 7)
    assert referral.process_id == dibao_case.pk and referral.case_ref == dibao_case.case_number
    assert referral.township_id == dibao_case.township_id and referral.household_id == dibao_case.household_id
    assert _events(dibao_case) == ["cooperation.referral_create"]
    event = AuditEvent.objects.get(action="cooperation.referral_create")
    assert event.actor == case_worker_a and event.changes["department"] == [None, "medical"]


def test_a_temporary_assistance_case_is_referred_at_intake(ta_case, case_worker_a):
    """SAI 60: referral is open to every programme, temporary assistance included, from intake on."""
    referral = _refer(ta_case, case_worker_a, department="housing", need="房屋烧毁，需危房改造")
    assert referral.household_id == ta_case.household_id and referral.get_department_display() == "住房救助"


def test_only_the_case_townships_case_worker_refers(dibao_case, case_worker_b, approver_a, county_officer, outsider):
    """SAI 60 + region isolation (domain.md §1): another township's case worker, the approver
    and the county officer may not refer a township A case; nothing is written."""
    for actor in (case_worker_b, approver_a, county_officer, outsider):
        with pytest.raises(PermissionDenied):
            _refer(dibao_case, actor)
    assert not Referral.objects.exists() and not _events(dibao_case)


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"department": "tax"}, "department"),
        ({"need": "   "}, "need"),
        ({"answer_working_days": 0}, "working_days"),
        ({"answer_working_days": 61}, "working_days"),
    ],
)
def test_a_referral_needs_a_department_a_need_and_a_sensible_deadline(dibao_case, case_worker_a, kw, code):
    """SAI 60: a referral names the special assistance (one of five) and the need."""
    with pytest.raises(ValidationError) as exc:
        _refer(dibao_case, case_worker_a, **kw)
    assert exc.value.code == code and not Referral.objects.exists()


def test_the_departments_answer_is_entered_once(dibao_case, case_worker_a, case_worker_a2):
    """SAI 60 follow-up: the answer (who, when, outcome) closes the referral; a second answer is refused."""
    referral = _refer(dibao_case, case_worker_a)
    today = timezone.localdate()
    services.referral_answer(
        referral=referral, answered_by="县医保局 张科长", answered_on=today, outcome="granted",
        answer="已纳入医疗救助，报销自付部分 70%。", actor=case_worker_a2,
    )  # fmt: skip
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ANSWERED and referral.answer_recorded_by == case_worker_a2
    assert (referral.answered_by, referral.answered_on, referral.outcome) == ("县医保局 张科长", today, "granted")
    assert _events(dibao_case) == ["cooperation.referral_create", "cooperation.referral_answer"]
    with pytest.raises(ValidationError) as exc:
        services.referral_answer(
            referral=referral, answered_by="x", answered_on=today, outcome="other", answer="x", actor=case_worker_a
        )
    assert exc.value.code == "answered"


def test_an_answer_from_the_future_or_before_the_referral_is_refused(dibao_case, case_worker_a):
    """SAI 60: the answer date lies between the referral and today."""
    referral = _refer(dibao_case, case_worker_a)
    for day in (timezone.localdate() + datetime.timedelta(days=1), referral.referred_on - datetime.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.referral_answer(
                referral=referral, answered_by="张", answered_on=day, outcome="granted", answer="x", actor=case_worker_a
            )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN


def test_another_township_may_not_answer(dibao_case, case_worker_a, case_worker_b, county_officer):
    """Region isolation (domain.md §1): only township A's case workers enter township A's answers."""
    referral = _refer(dibao_case, case_worker_a)
    for actor in (case_worker_b, county_officer):
        with pytest.raises(PermissionDenied):
            services.referral_answer(
                referral=referral, answered_by="张", answered_on=timezone.localdate(), outcome="granted",
                answer="x", actor=actor,
            )  # fmt: skip
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN


# --- case conferences ----------------------------------------------------------------------


def test_conference_on_an_emergency_above_the_township_limit(ta_case, approver_a):
    """domain.md §8 个案会商 (救急难): an emergency above the township limit is conferred on;
    the date, departments, persons, decision and follow-ups are recorded on the case's chain."""
    conference = _confer(ta_case, approver_a)
    assert conference.above_limit and conference.process_id == ta_case.pk
    assert conference.department_labels() == ["民政部门", "医保部门"]
    action = conference.actions.get()
    assert action.owner == "医保站 李站长" and not action.is_closed
    assert _events(ta_case) == ["cooperation.conference_record", "cooperation.conference_action_create"]


def test_conference_within_the_limit_needs_several_needs(ta_small_case, case_worker_a):
    """domain.md §8 个案会商: within the township limit, a conference is for several needs (two or more)."""
    with pytest.raises(ValidationError) as exc:
        _confer(ta_small_case, case_worker_a, needs=["basic_living"])
    assert exc.value.code == "no_grounds" and not Conference.objects.exists()
    conference = _confer(ta_small_case, case_worker_a, needs=["basic_living", "housing"])
    assert not conference.above_limit and conference.need_labels() == ["基本生活", "住房"]


def test_conference_is_for_emergency_temporary_assistance_only(household_a, dibao_case, case_worker_a):
    """domain.md §8: conferences serve complex emergencies (急难型), not spending shocks or dibao cases."""
    from decimal import Decimal

    from tests.factories import ConsentFactory
    from tests.temporary_assistance.helpers import file_case

    for member in household_a.members.all():
        ConsentFactory(member=member)
    shock = file_case(case_worker_a, household_a, kind="spending_shock", cause="medical_expense",
                      requested_amount=Decimal("5000.00"))  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        _confer(shock, case_worker_a)
    assert exc.value.code == "not_emergency"
    with pytest.raises(ValidationError) as exc:
        _confer(dibao_case, case_worker_a)
    assert exc.value.code == "not_ta"


def test_conference_fields_and_follow_ups_are_checked(ta_case, case_worker_a):
    """domain.md §8: a conference has departments, persons and a decision; each follow-up an
    owner and a due date not before the meeting; a meeting is not recorded ahead of time."""
    today = timezone.localdate()
    bad = [
        {"departments": []},
        {"participants": " "},
        {"decision": ""},
        {"held_on": today + datetime.timedelta(days=1)},
        {"actions": [ActionInput(description="x", owner="", due_on=today)]},
        {"actions": [ActionInput(description="x", owner="y", due_on=today - datetime.timedelta(days=1))]},
    ]
    for kw in bad:
        with pytest.raises(ValidationError):
            _confer(ta_case, case_worker_a, **kw)
    assert not Conference.objects.exists() and not ConferenceAction.objects.exists()


def test_another_township_may_not_record_a_conference(ta_case, case_worker_b, approver_b, county_officer):
    """Region isolation (domain.md §1): township B's staff and the county officer may not record one."""
    for actor in (case_worker_b, approver_b, county_officer):
        with pytest.raises(PermissionDenied):
            _confer(ta_case, actor)
    assert not Conference.objects.exists()


def test_follow_ups_are_closed_one_by_one(ta_case, case_worker_a, approver_a, case_worker_b):
    """domain.md §8 个案会商: each follow-up is closable, with what was done; once."""
    today = timezone.localdate()
    conference = _confer(
        ta_case, approver_a,
        actions=[ActionInput("提交医疗救助申请", "医保站", today), ActionInput("联系危房改造", "住建办", today)],
    )  # fmt: skip
    first, second = conference.actions.order_by("pk")
    with pytest.raises(PermissionDenied):
        services.conference_action_close(action=first, closing_note="已办", actor=case_worker_b)
    with pytest.raises(ValidationError):
        services.conference_action_close(action=first, closing_note=" ", actor=case_worker_a)
    services.conference_action_close(action=first, closing_note="医疗救助已受理", actor=case_worker_a)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_closed and first.closed_by == case_worker_a and not second.is_closed
    with pytest.raises(ValidationError) as exc:
        services.conference_action_close(action=first, closing_note="again", actor=case_worker_a)
    assert exc.value.code == "closed"
    assert _events(ta_case)[-1] == "cooperation.conference_action_close"

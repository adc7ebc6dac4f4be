"""The review case (domain.md §1, §7; SAI 66, 68; MSL 39): who may review, and each finding."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests import factories
from tests.sampling.conftest import approve, correct, decide, draw_july, review_of
from workflows.core.driving import assign_task, open_tasks
from workflows.core.models import AuditEvent, DibaoStandard
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.core.separation import ERR_SEPARATION
from workflows.sampling import services, signals
from workflows.sampling.flows import SamplingReviewFlow
from workflows.sampling.models import Correction, Recovery, SamplingReviewProcess


def _url(name, task):
    return reverse(
        f"cases:samplingreview:{task.flow_task.name}:{name}", kwargs={"process_pk": task.process_id, "task_pk": task.pk}
    )


@pytest.fixture
def one_drawn(region, case_worker_a, approver_a):
    """A single July approval (so it is certainly drawn) with its review case started."""
    record = approve(
        case_worker_a, approver_a, region.village_a, payment_starts=datetime.date(2026, 7, 1),
        rule_versions={"dibao_standard": DibaoStandard.objects.filter(county=region.county).first().pk},
    )  # fmt: skip
    draw_july(region.county)
    return record


def test_one_review_case_per_drawn_case(region, approvals, django_capture_on_commit_callbacks):
    """The draw starts (after commit) one review case per drawn case, in the approval's region,
    numbered CY-...; redelivering the start job starts nothing more."""
    from workflows.sampling.tasks import start_reviews

    with django_capture_on_commit_callbacks(execute=True):
        draw = services.draw_run(
            county=region.county, period_start=datetime.date(2026, 7, 1), period_end=datetime.date(2026, 7, 31),
            today=datetime.date(2026, 8, 3),
        )  # fmt: skip
    reviews = SamplingReviewProcess.objects.filter(drawn_case__draw=draw)
    assert reviews.count() == draw.drawn_count
    for process in reviews.select_related("drawn_case__record"):
        assert process.case_number.startswith("CY-")
        assert process.township_id == process.drawn_case.record.township_id
        assert open_tasks(process, SamplingReviewFlow.review).count() == 1
    assert start_reviews(draw.pk) == 0


def test_approver_and_investigator_never_get_the_review(region, case_worker_a, approver_a, county_reviewer, client_for):
    """domain.md §1: whoever approved or investigated a case may not review it in sampling. Even
    holding the county reviewer role, they do not see the task in their queue, and opening its
    assign URL answers 403 with the separation-of-duties message; a colleague sees and claims it."""
    for user in (approver_a, case_worker_a):
        assignment_grant(user=user, role=Role.COUNTY_REVIEWER, region=region.county)
    record = approve(case_worker_a, approver_a, region.village_a)
    draw_july(region.county)
    process = review_of(record)
    task = open_tasks(process, SamplingReviewFlow.review).get()
    queue = reverse("cases:samplingreview:queue")
    for user in (approver_a, case_worker_a):
        client = client_for(user)
        assert f"#{process.pk}/{task.pk}" not in client.get(queue).content.decode()
        response = client.post(_url("assign", task))
        assert response.status_code == 403
        assert str(ERR_SEPARATION) in response.content.decode()
        with pytest.raises(PermissionDenied):
            decide(process, user, "confirmed")
    client = client_for(county_reviewer)
    assert f"#{process.pk}/{task.pk}" in client.get(queue).content.decode()
    decide(process, county_reviewer, "confirmed")
    assert SamplingReviewProcess.objects.get(pk=process.pk).status == "DONE"


def test_review_service_refuses_an_actor(region, one_drawn, approver_a):
    """The service itself refuses an approver, whatever the caller (second line of defence)."""
    process = review_of(one_drawn)
    with pytest.raises(PermissionDenied) as exc:
        services.review_decide(process=process, finding="confirmed", note="", actor=approver_a)
    assert str(exc.value) == str(services.ERR_REVIEWER_ACTED)


def test_township_approver_cannot_review(region, one_drawn, approver_b):
    """A township approver (not a county reviewer) cannot claim a review (wrong role)."""
    with pytest.raises(PermissionDenied):
        decide(review_of(one_drawn), approver_b, "confirmed")


def test_reviewer_of_other_county_refused(region, one_drawn, client_for):
    """A county reviewer of another county cannot claim the review, and its URLs answer 404."""
    other = factories.CountyFactory(code="990102", name="邻县")
    factories.TownshipFactory(county=other, code="990102001", name="邻镇")
    stranger = factories.UserFactory(username="reviewer_other")
    assignment_grant(user=stranger, role=Role.COUNTY_REVIEWER, region=other)
    process = review_of(one_drawn)
    task = open_tasks(process, SamplingReviewFlow.review).get()
    with pytest.raises(PermissionDenied):
        decide(process, stranger, "confirmed")
    assert client_for(stranger).get(_url("assign", task)).status_code == 404


def test_review_page_shows_case_file(region, one_drawn, county_reviewer, client_for):
    """The reviewer sees the approval, the rule versions that applied and the links to the case
    file and its history."""
    process = review_of(one_drawn)
    task = open_tasks(process, SamplingReviewFlow.review).get()
    assign_task(task, user=county_reviewer)
    page = client_for(county_reviewer).get(_url("execute", task)).content.decode()
    standard = DibaoStandard.objects.get(pk=one_drawn.rule_versions["dibao_standard"])
    assert one_drawn.case_number in page
    assert str(standard) in page
    assert reverse("history:case", kwargs={"process_pk": one_drawn.process_id}) in page
    assert f"/staff/cases/skeleton/{one_drawn.process_id}/" in page


def test_correction_round_trip(region, one_drawn, county_reviewer, case_worker_a, case_worker_b, fixed_calendar):
    """SAI 66 / MSL 39: an ordered correction goes to the township with a deadline of 10 working
    days (National Day holidays skipped, the make-up Saturday worked); the township reports it
    done; the county reviews again and confirms. Township B's worker cannot do A's correction."""
    received = []

    def on_correction(sender, record, review, due_on, **kwargs):
        received.append((record.pk, review.pk, due_on))

    signals.correction_ordered.connect(on_correction, dispatch_uid="test-correction")
    try:
        process = review_of(one_drawn)
        decide(process, county_reviewer, "correction", note="材料不全", instructions="补齐收入证明",
               today=datetime.date(2026, 9, 25))  # fmt: skip
    finally:
        signals.correction_ordered.disconnect(dispatch_uid="test-correction")
    correction = Correction.objects.get(review=process)
    assert correction.due_on == datetime.date(2026, 10, 15)
    assert received == [(one_drawn.pk, process.pk, correction.due_on)]

    with pytest.raises(PermissionDenied):
        correct(process, case_worker_b)
    correct(process, case_worker_a, report="已补齐收入证明并重新核算")
    correction.refresh_from_db()
    assert correction.done_by == case_worker_a and correction.report

    decide(process, county_reviewer, "confirmed", note="整改到位", node=SamplingReviewFlow.re_review)
    process = SamplingReviewProcess.objects.get(pk=process.pk)
    assert process.status == "DONE" and process.finding == "confirmed" and process.correction_rounds == 1
    actions = list(
        AuditEvent.objects.filter(chain=f"case:{process.pk}", action__startswith="sampling.").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "sampling.review_open",
        "sampling.review_decide",
        "sampling.correction_complete",
        "sampling.review_decide",
    ]


def test_correction_needs_instructions(region, one_drawn, county_reviewer):
    """Ordering a correction without instructions is refused; nothing changes."""
    from django.core.exceptions import ValidationError

    process = review_of(one_drawn)
    with pytest.raises(ValidationError) as exc:
        decide(process, county_reviewer, "correction", note="x")
    assert services.ERR_INSTRUCTIONS_REQUIRED in exc.value.messages
    assert not Correction.objects.exists()


def test_revocation_end_to_end(region, one_drawn, county_reviewer):
    """SAI 66, 68: revoked on 2026-11-20, the benefit stops from 2026-12-01; paid July to November
    = 5 months × 450.00 = 2,250.00 is to be recovered; the programme is told (signal inside the
    transaction); the review case ends; both case chains are audited."""
    received = []

    def on_revoked(sender, record, stop_from, recovery, **kwargs):
        received.append((record.pk, stop_from, recovery.amount))

    signals.benefit_revoked.connect(on_revoked, dispatch_uid="test-revoked")
    try:
        process = review_of(one_drawn)
        decide(process, county_reviewer, "revoked", note="隐瞒收入", today=datetime.date(2026, 11, 20))
    finally:
        signals.benefit_revoked.disconnect(dispatch_uid="test-revoked")

    recovery = Recovery.objects.get(record=one_drawn)
    assert recovery.amount == Decimal("2250.00")
    assert recovery.months == 5
    assert (recovery.computed_from, recovery.computed_to) == (datetime.date(2026, 7, 1), datetime.date(2026, 11, 30))
    assert recovery.stop_from == datetime.date(2026, 12, 1)
    assert recovery.status == Recovery.Status.OPEN
    one_drawn.refresh_from_db()
    assert one_drawn.revoked and one_drawn.benefit_stopped_from == datetime.date(2026, 12, 1)
    assert received == [(one_drawn.pk, datetime.date(2026, 12, 1), Decimal("2250.00"))]
    process = SamplingReviewProcess.objects.get(pk=process.pk)
    assert process.status == "DONE"
    assert [t.flow_task.name for t in process.task_set.order_by("pk")][-2:] == ["revoke", "end"]
    assert AuditEvent.objects.filter(chain=f"case:{one_drawn.process_id}", action="sampling.revoke").exists()
    assert AuditEvent.objects.filter(chain=f"case:{process.pk}", action="sampling.revoke").exists()

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:  # a second revocation of the same approval
        services.record_revoke(review=process, reason="重复", actor=county_reviewer)
    assert services.ERR_ALREADY_REVOKED in exc.value.messages
    assert Recovery.objects.count() == 1


def test_recovery_settled_by_county_officer_once(region, one_drawn, county_reviewer, county_officer, approver_a):
    """SAI 68: the county officer records the wrongly paid money as recovered, once; township staff may not."""
    from django.core.exceptions import ValidationError

    decide(review_of(one_drawn), county_reviewer, "revoked", note="隐瞒收入", today=datetime.date(2026, 11, 20))
    recovery = Recovery.objects.get(record=one_drawn)
    with pytest.raises(PermissionDenied):
        services.recovery_settle(recovery=recovery, actor=approver_a)
    services.recovery_settle(recovery=recovery, actor=county_officer)
    recovery.refresh_from_db()
    assert recovery.status == Recovery.Status.SETTLED
    with pytest.raises(ValidationError):
        services.recovery_settle(recovery=recovery, actor=county_officer)
    assert AuditEvent.objects.filter(action="sampling.recovery_settle").count() == 1


def test_recovery_amount_rules(region, case_worker_a, approver_a):
    """SAI 68: nothing paid yet → nothing to recover; one-off assistance → the one-off amount."""
    not_started = approve(case_worker_a, approver_a, region.village_a, payment_starts=datetime.date(2026, 12, 1))
    assert services.recovery_amount(not_started, datetime.date(2026, 11, 20)) == (Decimal("0.00"), 0, None)
    one_off = approve(
        case_worker_a, approver_a, region.village_a, programme="temporary_assistance",
        monthly_amount=None, payment_starts=None, one_off_amount=Decimal("1800.00"),
    )  # fmt: skip
    assert services.recovery_amount(one_off, datetime.date(2026, 11, 20)) == (Decimal("1800.00"), 0, None)


def test_overdue_correction_escalated_once(region, one_drawn, county_reviewer, client_for, fixed_calendar):
    """A correction not reported by its deadline is flagged once the day after (audited on the
    review case) and listed for the county; on the deadline itself it is not overdue."""
    process = review_of(one_drawn)
    decide(process, county_reviewer, "correction", instructions="补齐材料", today=datetime.date(2026, 9, 25))
    assert services.corrections_escalate_overdue(today=datetime.date(2026, 10, 15)) == 0
    assert services.corrections_escalate_overdue(today=datetime.date(2026, 10, 16)) == 1
    assert services.corrections_escalate_overdue(today=datetime.date(2026, 10, 19)) == 0
    correction = Correction.objects.get(review=process)
    assert correction.escalated_on == datetime.date(2026, 10, 16)
    event = AuditEvent.objects.get(chain=f"case:{process.pk}", action="sampling.correction_overdue")
    assert event.data["working_days_overdue"] == 1
    page = client_for(county_reviewer).get(reverse("sampling:draws")).content.decode()
    assert process.case_number in page


def test_review_through_the_web_form(region, one_drawn, county_reviewer, client_for):
    """Claiming and deciding through the pages: a correction without instructions is shown as a
    form error and nothing changes; a confirmation ends the case."""
    process = review_of(one_drawn)
    task = open_tasks(process, SamplingReviewFlow.review).get()
    client = client_for(county_reviewer)
    assert client.post(_url("assign", task)).status_code == 302
    response = client.post(_url("execute", task), {"finding": "correction", "note": "x", "instructions": ""})
    assert response.status_code == 200
    assert str(services.ERR_INSTRUCTIONS_REQUIRED) in response.content.decode()
    assert not Correction.objects.exists()
    response = client.post(_url("execute", task), {"finding": "confirmed", "note": "符合条件"})
    assert response.status_code == 302
    process = SamplingReviewProcess.objects.get(pk=process.pk)
    assert process.status == "DONE" and process.finding == "confirmed" and process.reviewed_by == county_reviewer


def test_services_refuse_wrong_role_and_wrong_township(region, one_drawn, approver_b, county_officer, case_worker_b):
    """domain.md §7, second line behind the node permissions: the review service refuses anyone who is not
    a county reviewer of the case's county (a township approver, the county officer), and the correction
    service refuses a case worker of another township; nothing is recorded."""
    process = review_of(one_drawn)
    for user in (approver_b, county_officer):
        with pytest.raises(PermissionDenied) as exc:
            services.review_decide(process=process, finding="confirmed", note="", actor=user)
        assert str(exc.value) == str(services.ERR_NOT_COUNTY_REVIEWER)
    with pytest.raises(PermissionDenied) as exc:
        services.correction_complete(process=process, report="已整改", actor=case_worker_b)
    assert str(exc.value) == str(services.ERR_NOT_TOWNSHIP_CASE_WORKER)
    process.refresh_from_db()
    assert process.finding == "" and process.reviewed_by is None

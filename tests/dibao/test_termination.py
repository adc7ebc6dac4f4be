"""MSL 29: the township may terminate the review when the applicant refuses to cooperate
without reason: a stated reason, a letter with appeal rights, audit, and the sampling pool."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from viewflow.workflow.status import STATUS

from tests.documents.glyphs import pdf_text_compact
from workflows.dibao import services
from workflows.dibao.models import Decision, DibaoProcess, OverdueAlert

from .conftest import accept, audit_actions, file_case, home_visit

REASON = "两次书面通知入户调查，申请人均无正当理由拒绝"


@pytest.fixture
def at_home_visit(region, case_worker_a, fake_finance_check):
    """A case accepted and checked, waiting for the township's home visit."""
    process = accept(file_case(case_worker_a, region.village_a), case_worker_a)
    return fake_finance_check.finish(process)


def _url(process):
    return reverse("dibao:terminate", kwargs={"process_pk": process.pk})


def test_msl_29_township_approver_terminates_with_reason_letter_audit_and_sampling_pool(
    at_home_visit, approver_a, client_for
):
    """MSL 29: a township approver ends the review with a reason from the case's page: the open
    tasks are cancelled, the case ends with the decision "terminated", a termination letter states
    the reason and the 60-day reconsideration / 6-month litigation rights (MSL 38, SAI 65), every
    step is audited and the case joins the county's sampling pool."""
    from workflows.documents.models import CaseDocument
    from workflows.sampling.models import ApprovalRecord

    process = at_home_visit
    client = client_for(approver_a)
    page = client.get(_url(process))
    assert page.status_code == 200 and "终止理由" in page.content.decode()
    response = client.post(_url(process), {"reason": REASON, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:case", kwargs={"process_pk": process.pk})

    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.status == "CANCELED" and process.decision == Decision.TERMINATED
    assert process.termination_reason == REASON and process.terminated_by == approver_a
    assert process.terminated_on == process.letter_issued_on
    assert not process.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).exists()
    assert audit_actions(process)[-4:] == [
        "dibao.terminated",
        "document.issued",
        "dibao.termination_issued",
        "dibao.sampling_pool",
    ]
    from workflows.core.models import AuditEvent

    event = AuditEvent.objects.get(chain=f"case:{process.pk}", action="dibao.terminated")
    assert event.actor == approver_a
    assert event.changes["decision"] == ["", "terminated"] and event.changes["termination_reason"] == ["", REASON]

    letter = CaseDocument.objects.get(process_id=process.pk, filename__endswith="-termination.pdf")
    text = pdf_text_compact(letter.file.read())
    assert "终止最低生活保障审核确认决定书" in text
    assert "无正当理由拒不配合" in text and REASON in text
    assert "60日内" in text and "6个月内" in text and "第二十九条" in text

    record = ApprovalRecord.objects.get(process_id=process.pk)
    assert record.monthly_amount is None and record.approved_by == approver_a
    assert process.sampling_pool_since is not None
    # the ended case owes no deadline any more, also on the applicant's status page
    from workflows.portal.selectors import public_status

    status = public_status(process)
    assert status.due_on is None and not status.overdue
    assert services.overdue_alerts_raise(today=process.due_on.replace(year=process.due_on.year + 1)) == 0
    assert not OverdueAlert.objects.filter(process=process).exists()


def test_msl_29_case_task_page_offers_termination_to_the_approver_only(at_home_visit, approver_a, case_worker_a):
    """MSL 29: the approver is offered termination on the case; the case worker is not."""
    assert services.can_terminate(approver_a, at_home_visit)
    assert not services.can_terminate(case_worker_a, at_home_visit)


@pytest.mark.parametrize(("who", "status"), [("case_worker_a", 403), ("county_officer", 403), ("approver_b", 404)])
def test_msl_29_only_the_townships_approver_may_terminate(at_home_visit, request, client_for, who, status):
    """Negative (MSL 29): a case worker or a county officer gets 403, another township's approver
    404; the case is unchanged."""
    client = client_for(request.getfixturevalue(who))
    assert client.post(_url(at_home_visit), {"reason": REASON, "confirm": "on"}).status_code == status
    assert client.get(_url(at_home_visit)).status_code == status
    process = DibaoProcess.objects.get(pk=at_home_visit.pk)
    assert process.decision == "" and process.status != "CANCELED"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "", "confirm": "on"}, "该字段是必填项"),
        ({"reason": "不配合", "confirm": "on"}, "请写明申请人无正当理由拒不配合的具体情形"),
        ({"reason": REASON}, "该字段是必填项"),
    ],
)
def test_msl_29_termination_needs_a_stated_reason_and_confirmation(
    at_home_visit, approver_a, client_for, data, message
):
    """Negative (MSL 29): no reason, a reason too thin to state the refusal, or no confirmation is
    refused with a translated message; nothing is written."""
    response = client_for(approver_a).post(_url(at_home_visit), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    process = DibaoProcess.objects.get(pk=at_home_visit.pk)
    assert process.decision == "" and process.termination_reason == ""
    assert "dibao.terminated" not in audit_actions(process)


def test_msl_29_a_decided_or_unaccepted_case_cannot_be_terminated(
    region, at_home_visit, approver_a, case_worker_a, case_worker_a2
):
    """Negative (MSL 29): a case not yet accepted, or one already ended, cannot be terminated."""
    with pytest.raises(ValidationError) as exc:
        services.case_terminate(process=file_case(case_worker_a, region.village_a), reason=REASON, actor=approver_a)
    assert exc.value.messages == [str(services.ERR_TERMINATE_NOT_ACCEPTED)]
    services.case_terminate(process=at_home_visit, reason=REASON, actor=approver_a)
    with pytest.raises(ValidationError) as exc:
        services.case_terminate(process=at_home_visit, reason=REASON, actor=approver_a)
    assert exc.value.messages == [str(services.ERR_TERMINATE_CLOSED)]


def test_msl_29_an_approver_who_investigated_the_case_cannot_terminate_it(
    region, at_home_visit, approver_a, case_worker_a
):
    """Negative (domain.md §1): whoever investigated the case may not decide to end it."""
    process = home_visit(at_home_visit, case_worker_a, case_worker_a, approver_a)
    assert not services.can_terminate(approver_a, process)
    with pytest.raises(PermissionDenied):
        services.case_terminate(process=process, reason=REASON, actor=approver_a)
    assert DibaoProcess.objects.get(pk=process.pk).decision == ""


def test_msl_29_the_approvers_task_page_links_to_termination_and_the_case_worker_sees_no_link(
    at_home_visit, case_worker_a, case_worker_a2, approver_a, client_for
):
    """MSL 29: on the section chief's signing page (a township approver) the case offers
    "终止审核确认", and the link opens the termination form; the case worker's own signing page
    (same case) offers no such link. The stage deadlines (MSL 15, 17) are on the page too."""
    from .conftest import do, propose, task_of

    process = propose(home_visit(at_home_visit, case_worker_a, case_worker_a, case_worker_a2), case_worker_a,
                      approve=False)  # fmt: skip
    worker = client_for(case_worker_a)
    task = task_of(process, "sign_handler")
    worker.post(f"/staff/cases/dibao/{process.pk}/sign_handler/{task.pk}/assign/")
    html = worker.get(f"/staff/cases/dibao/{process.pk}/sign_handler/{task.pk}/execute/").content.decode()
    assert _url(process) not in html
    assert "启动家庭经济状况调查期限（MSL 15）" in html and "启动信息核对期限（MSL 17）" in html
    process = do(process, "sign_handler", case_worker_a, services.decision_sign, role="handler", opinion="拟不予确认")
    approver = client_for(approver_a)
    task = task_of(process, "sign_section_chief")
    approver.post(f"/staff/cases/dibao/{process.pk}/sign_section_chief/{task.pk}/assign/")
    html = approver.get(f"/staff/cases/dibao/{process.pk}/sign_section_chief/{task.pk}/execute/").content.decode()
    assert _url(process) in html and "终止审核确认（MSL 29）" in html
    assert approver.post(_url(process), {"reason": REASON, "confirm": "on"}).status_code == 302
    assert DibaoProcess.objects.get(pk=process.pk).status == "CANCELED"


def test_msl_29_the_service_refuses_a_case_worker(at_home_visit, case_worker_a):
    """Negative (MSL 29): the service itself refuses anyone but the township's approver."""
    with pytest.raises(PermissionDenied) as exc:
        services.case_terminate(process=at_home_visit, reason=REASON, actor=case_worker_a)
    assert str(exc.value) == str(services.ERR_TERMINATE_NOT_APPROVER)
    assert DibaoProcess.objects.get(pk=at_home_visit.pk).decision == ""

"""An order to decide again after an appeal set a refusal aside (SAI 65; 行政复议法 art. 64):
the refused case comes back to a township approver as a task due in 15 working days; an
approval opens the benefit from the month the refusal would have started paying (the next
roll pays the arrears); a new refusal issues a new letter with reasons and rights."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from tests.dibao.conftest import (
    accept,
    file_case,
    home_visit,
    member,
    propose,
    sign_all,
)
from workflows.appeals import services
from workflows.appeals.flows import RedecisionFlow
from workflows.appeals.models import AppealKind, Outcome, RedecisionProcess
from workflows.appeals.redecision import redecision_decide
from workflows.caseload.models import Benefit, BenefitStatus
from workflows.caseload.months import add_months, month_of
from workflows.core.driving import complete_task, open_tasks
from workflows.core.models import AuditEvent
from workflows.core.working_days import Calendar
from workflows.documents.models import CaseDocument
from workflows.history import selectors as history
from workflows.payroll import services as payroll
from workflows.payroll.models import LineKind

D = Decimal


@pytest.fixture
def refused(region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check):
    """A dibao case refused by approver_a2 (township head), its refusal letter issued."""
    members = [member(income="900.00"), member("李四", relation="spouse", birth=datetime.date(1972, 5, 2), seq=202)]
    process = fake_finance_check.finish(
        accept(file_case(case_worker_a, region.village_a, members=members), case_worker_a)
    )
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a, approve=False)
    process = sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["人均收入高于低保标准"])
    letter = CaseDocument.objects.get(process_id=process.pk, kind=CaseDocument.Kind.REFUSAL_LETTER)
    return process, letter


def set_aside(letter, case_worker, approver, outcome=Outcome.REDECIDE):
    today = timezone.localdate()
    appeal = services.appeal_record(
        letter=letter, kind=AppealKind.RECONSIDERATION, body="示范县人民政府", delivered_on=today, filed_on=today,
        claims="请求撤销不予确认决定：收入核算有误。", actor=case_worker,
    )  # fmt: skip
    return services.appeal_decide(
        appeal=appeal, outcome=outcome, outcome_on=today, text="撤销原决定，责令重新作出决定。", actor=approver
    )


def redecision_of(appeal) -> RedecisionProcess:
    return RedecisionProcess.objects.get(appeal=appeal)


def decide(redecision, user, **kwargs):
    task = open_tasks(redecision, RedecisionFlow.redecide).get()
    complete_task(task, user=user, perform=lambda p: redecision_decide(process=p, actor=user, **kwargs))
    return RedecisionProcess.objects.get(pk=redecision.pk)


def test_an_order_to_decide_again_opens_a_task_due_in_15_working_days(refused, case_worker_a, approver_a):
    """SAI 65: the township decides again; the due date is 15 working days from the outcome
    and is what the workspace shows on the task."""
    process, letter = refused
    appeal = set_aside(letter, case_worker_a, approver_a)
    redecision = redecision_of(appeal)
    due = Calendar().add_working_days(timezone.localdate(), 15)
    assert (appeal.redecide_by, redecision.due_on, redecision.effective_due_on) == (due, due, due)
    assert redecision.original_id == process.pk and redecision.township_id == process.township_id
    task = open_tasks(redecision, RedecisionFlow.redecide).get()
    assert task.status == STATUS.NEW
    from workflows.workspace.models import CaseIndex

    assert CaseIndex.objects.get(process_id=redecision.pk).due_on == due


def test_other_outcomes_open_no_redecision(refused, case_worker_a, approver_a):
    """Upheld: the refusal stands, nothing is reopened."""
    _, letter = refused
    appeal = set_aside(letter, case_worker_a, approver_a, outcome=Outcome.UPHELD)
    assert not RedecisionProcess.objects.filter(appeal=appeal).exists()


def test_the_task_is_in_the_inbox_of_another_approver_not_the_original_decider(
    refused, case_worker_a, approver_a, approver_a2, approver_a3, approver_b, client_for
):
    """Separation of duties (domain.md §1): approver_a2 decided the refusal and may not
    decide again; approver_a3 of the same township may; township B's approver gets a 404."""
    _, letter = refused
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    task = open_tasks(redecision, RedecisionFlow.redecide).get()
    queue = RedecisionFlow.task_class._default_manager.queue
    assert task in queue([RedecisionFlow], approver_a3)
    assert task not in queue([RedecisionFlow], approver_a2)
    assert not RedecisionFlow.redecide.can_assign(approver_a2, task)
    assert RedecisionFlow.redecide.can_assign(approver_a3, task)
    with pytest.raises(PermissionDenied):
        decide(redecision, approver_a2, approve=True, reasons="重新核算后符合条件。", monthly_amount=D("500.00"))
    url = RedecisionFlow.redecide.reverse("index", args=[redecision.pk, task.pk])
    assert client_for(approver_b).get(url).status_code == 404
    # the workspace queue lists the task, with its due date, for approver_a3 only
    shown = client_for(approver_a3).get("/workspace/queue/").content.decode()
    assert redecision.case_number in shown and redecision.due_on.strftime("%Y-%m-%d") in shown
    assert redecision.case_number not in client_for(approver_a2).get("/workspace/queue/").content.decode()
    assert redecision.case_number not in client_for(approver_b).get("/workspace/queue/").content.decode()


def test_approval_opens_the_benefit_with_arrears_in_the_next_roll(
    refused, region, case_worker_a, approver_a, approver_a3, monkeypatch
):
    """MSL 21: paid from the month after the (refused) decision. The roll of that month,
    frozen while the appeal ran, paid nothing; after the new approval the next roll pays
    that month as arrears."""
    process, letter = refused
    starts = add_months(month_of(process.decided_on), 1)

    def roll(month):
        monkeypatch.setattr(payroll, "_today", lambda: month)
        r = payroll.roll_generate(township=region.township_a, month=month, actor=case_worker_a)
        return payroll.roll_freeze(roll=r, actor=approver_a)

    assert roll(starts).line_count == 0
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    redecision = decide(redecision, approver_a3, approve=True, reasons="重新核算后符合条件。", monthly_amount=D("500"))
    benefit = Benefit.objects.get(source_case_id=process.pk)
    assert (benefit.status, benefit.monthly_amount, benefit.starts) == (BenefitStatus.IN_FORCE, D("500.00"), starts)
    assert redecision.status == STATUS.DONE and redecision.approved
    # TK 16, MSL 20: the new approval joins the county's sampling pool; no one who acted on
    # the case (nor the new decider) may review it
    from workflows.sampling.models import ApprovalRecord

    record = ApprovalRecord.objects.get(process_id=process.pk)
    assert (record.approved_by_id, record.monthly_amount, record.payment_starts) == (
        approver_a3.pk,
        D("500.00"),
        starts,
    )
    assert {approver_a3.pk, case_worker_a.pk} <= set(record.actors.values_list("user_id", flat=True))
    line = roll(add_months(starts, 1)).lines.get(kind=LineKind.BENEFIT)
    assert (line.current, line.arrears) == (D("500.00"), D("500.00"))


def test_an_approval_needs_an_amount_and_reasons(refused, case_worker_a, approver_a, approver_a3):
    from django.core.exceptions import ValidationError

    _, letter = refused
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    with pytest.raises(ValidationError):
        decide(redecision, approver_a3, approve=True, reasons="符合条件。", monthly_amount=None)
    with pytest.raises(ValidationError):
        decide(redecision, approver_a3, approve=False, reasons=" ", monthly_amount=None)
    assert not Benefit.objects.exists()


def test_refusing_again_issues_a_new_letter_with_reasons_and_rights(refused, case_worker_a, approver_a, approver_a3):
    """MSL 21, 38; SAI 65: a new refusal letter states its reasons and the appeal rights; the
    set-aside letter is superseded; no benefit opens."""
    from tests.documents.glyphs import pdf_text_compact

    process, letter = refused
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    with TestCase.captureOnCommitCallbacks(execute=True):
        redecision = decide(
            redecision, approver_a3, approve=False, reasons="重新核对后家庭存款超过限额。", monthly_amount=None
        )
    new = redecision.letter
    assert new.process_id == process.pk and new.kind == CaseDocument.Kind.REFUSAL_LETTER and new.pk != letter.pk
    letter.refresh_from_db()
    assert letter.superseded_by_id == new.pk
    text = pdf_text_compact(new.file.read())
    assert "重新核对后家庭存款超过限额" in text and "行政复议" in text and "行政诉讼" in text
    assert not Benefit.objects.filter(source_case_id=process.pk).exists()


def test_the_refused_cases_history_shows_the_appeal_and_the_new_decision(
    refused, case_worker_a, approver_a, approver_a3, client_for
):
    """The refused case's own history (its audit chain and the history page) shows the
    appeal, the order to decide again, the new decision and the benefit it opened."""
    process, letter = refused
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    decide(redecision, approver_a3, approve=True, reasons="重新核算后符合条件。", monthly_amount=D("500"))
    actions = list(history.case_events(process).values_list("action", flat=True))
    steps = ["dibao.refusal_issued", "appeals.recorded", "appeals.decided", "appeals.redecision_opened",
             "caseload.benefit_open", "appeals.redecided"]  # fmt: skip
    assert [a for a in actions if a in steps] == steps
    assert history.replay(process).seq == AuditEvent.objects.filter(chain=f"case:{process.pk}").count()
    page = client_for(approver_a3).get(reverse("history:case", args=[process.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "撤销不予确认决定后待重新决定" in body and "撤销后重新作出决定" in body


def test_the_appeal_page_links_the_redecision(refused, case_worker_a, approver_a, client_for):
    _, letter = refused
    appeal = set_aside(letter, case_worker_a, approver_a)
    body = client_for(case_worker_a).get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert redecision_of(appeal).case_number in body


def test_the_task_page_shows_the_appeal_and_the_due_date_and_decides(
    refused, case_worker_a, approver_a, approver_a3, client_for
):
    """The approver claims the task from the inbox and decides on the task page, which
    states the set-aside letter, the outcome and the due date."""
    _, letter = refused
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    task = open_tasks(redecision, RedecisionFlow.redecide).get()
    client = client_for(approver_a3)
    assert client.post(RedecisionFlow.redecide.reverse("assign", args=[redecision.pk, task.pk])).status_code == 302
    url = RedecisionFlow.redecide.reverse("index", args=[redecision.pk, task.pk])
    page = client.get(url, follow=True)
    body = page.content.decode()
    assert page.status_code == 200 and redecision.due_on.strftime("%Y-%m-%d") in body and "示范县人民政府" in body
    response = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else url,
        {"approve": "0", "reasons": "重新核对后家庭存款超过限额。", "monthly_amount": ""},
    )
    assert response.status_code == 302
    redecision.refresh_from_db()
    assert redecision.approved is False and redecision.letter_id is not None

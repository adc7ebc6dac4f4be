"""An order to decide again on a set-aside temporary-assistance refusal (SAI 65; 行政复议法
art. 64): the refused case comes back to another township approver as a task; approving
records the one-off amount within the township limit and pays it once from the township
reserve fund (TA18 2(2), 3(3); SAI 48), above the limit the township may not approve and
is told to refer to the county; refusing again issues a new refusal letter with rights."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.appeals.test_redecision import decide, redecision_of, set_aside
from tests.temporary_assistance.helpers import do, file_case
from workflows.appeals.flows import RedecisionFlow
from workflows.appeals.models import Outcome, RedecisionProcess
from workflows.appeals.redecision import redecision_decide
from workflows.appeals.redecision_ta import ERR_REFER_COUNTY, approval_letter
from workflows.core.driving import open_tasks
from workflows.core.models import AuditEvent
from workflows.documents.models import CaseDocument
from workflows.funds.services import fund_verify
from workflows.history import selectors as history
from workflows.sampling.models import ApprovalRecord
from workflows.temporary_assistance import services as ta
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import Decision, Payment, TemporaryAssistanceProcess

D = Decimal


def township_limit(region) -> Decimal:
    return ta.township_limit_on(region.county, timezone.localdate())[2]


def refuse(process, user, node, service):
    do(process, node, user, service, approve=False, reason="家庭有存款足以应对")
    letter = ta.case_issue_letter(process_id=process.pk)  # the letter job, after the commit
    return TemporaryAssistanceProcess.objects.get(pk=process.pk), letter


@pytest.fixture
def ta_refused(region, case_worker_a, approver_a, household_a, fund_a):
    """A township-tier temporary-assistance case refused by approver_a, its refusal letter issued."""
    process = file_case(case_worker_a, household_a, requested_amount=min(D("1500.00"), township_limit(region)))
    return refuse(process, approver_a, F.township_approve, ta.case_township_approve)


def test_a_set_aside_ta_refusal_opens_a_task_for_another_approver(
    ta_refused, region, case_worker_a, approver_a, approver_a3, approver_b, client_for
):
    """SAI 65: the order to decide again reopens the refused temporary-assistance case as a
    township approver's task; the refusing approver may not take it (domain.md §1) and
    township B's approver gets a 404."""
    process, letter = ta_refused
    assert letter.kind == CaseDocument.Kind.TA_DECISION and process.decision == Decision.REFUSED
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    assert redecision.original_id == process.pk and redecision.programme == "temporary_assistance"
    assert redecision.refused_by_id == approver_a.pk
    task = open_tasks(redecision, RedecisionFlow.redecide).get()
    queue = RedecisionFlow.task_class._default_manager.queue
    assert task in queue([RedecisionFlow], approver_a3) and task not in queue([RedecisionFlow], approver_a)
    url = RedecisionFlow.redecide.reverse("index", args=[redecision.pk, task.pk])
    assert client_for(approver_b).get(url).status_code == 404


def test_an_upheld_ta_refusal_opens_nothing(ta_refused, case_worker_a, approver_a):
    """Upheld: the refusal stands, no task."""
    _, letter = ta_refused
    appeal = set_aside(letter, case_worker_a, approver_a, outcome=Outcome.UPHELD)
    assert not RedecisionProcess.objects.filter(appeal=appeal).exists()


def test_a_county_tier_ta_refusal_is_not_reopened_as_a_township_task(
    region, case_worker_a, approver_a, county_officer, household_a, fund_a
):
    """TA18 3(3): above the township limit the county decides. A set-aside county refusal does
    not come back to the township's approvers (they may not decide above their limit); the
    order keeps its re-decision due date for the county."""
    process = file_case(case_worker_a, household_a, requested_amount=township_limit(region) + D("500.00"))
    assert process.is_county_tier()
    _, letter = refuse(process, county_officer, F.county_approve, ta.case_county_approve)
    appeal = set_aside(letter, case_worker_a, approver_a)
    assert appeal.redecide_by is not None
    assert not RedecisionProcess.objects.filter(appeal=appeal).exists()


def test_the_original_decider_may_not_decide_again(ta_refused, case_worker_a, approver_a):
    """domain.md §1: the approver who refused may not decide on their own overturned refusal."""
    _, letter = ta_refused
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    with pytest.raises(PermissionDenied):
        redecision_decide(
            process=redecision, approve=True, reasons="x", monthly_amount=None, amount=D("100"), actor=approver_a
        )
    assert not Payment.objects.filter(process__pk=redecision.original_id).exists()


def test_approval_within_the_limit_pays_once_from_the_township_fund(
    ta_refused,
    region,
    case_worker_a,
    approver_a,
    approver_a3,
    fund_a,
    client_for,
    django_capture_on_commit_callbacks,
):
    """TA18 3(3), SAI 48: the amount is recorded on the refused case and paid once from the
    township reserve fund, whose ledger still sums to its balance; the case joins the
    sampling pool; history replay shows refusal, appeal and the new decision."""
    process, letter = ta_refused
    before = fund_a.balance
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    amount = process.requested_amount
    with django_capture_on_commit_callbacks(execute=True):
        redecision = decide(redecision, approver_a3, approve=True, reasons="复议撤销，重新核实。",
                            monthly_amount=None, amount=amount)  # fmt: skip
    assert redecision.approved is True and redecision.one_off_amount == amount
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.decision == Decision.APPROVED and process.approved_amount == amount
    payments = list(Payment.objects.filter(process=process))
    assert [(p.amount, p.source) for p in payments] == [(amount, Payment.Source.TOWNSHIP_FUND)]
    fund_a.refresh_from_db()
    assert fund_a.balance == before - amount
    fund_verify(fund_a)
    assert ApprovalRecord.objects.get(process_id=process.pk).one_off_amount == amount
    # the applicant's letter now grants the amount; the set-aside refusal is superseded, once
    letter.refresh_from_db()
    current = CaseDocument.objects.get(process_id=process.pk, kind=CaseDocument.Kind.TA_DECISION, superseded_by=None)
    assert letter.superseded_by_id == current.pk and ta.case_issue_letter(process_id=process.pk) == current
    assert approval_letter(original_pk=process.pk, set_aside_pk=letter.pk) == current
    assert f"{amount:,.2f}" in "".join(_pdf_text(current).split())
    with pytest.raises(ValidationError):  # nothing is paid twice: the re-decision is made
        redecision_decide(
            process=redecision, approve=True, reasons="再次", monthly_amount=None, amount=amount, actor=approver_a3
        )
    assert Payment.objects.filter(process=process).count() == 1
    actions = list(history.case_events(process).values_list("action", flat=True))
    steps = ["case.township_decision", "appeals.recorded", "appeals.decided", "appeals.redecision_opened",
             "case.payment", "appeals.redecided"]  # fmt: skip
    assert [a for a in actions if a in steps] == steps
    row = AuditEvent.objects.get(chain=f"case:{process.pk}", action="appeals.redecided")
    assert row.changes["decision"] == ["refused", "approved"] and row.changes["approved_amount"][0] is None
    assert history.replay(process).seq == AuditEvent.objects.filter(chain=f"case:{process.pk}").count()
    page = client_for(approver_a3).get(reverse("history:case", args=[process.pk]))
    assert page.status_code == 200 and "撤销后重新作出决定" in page.content.decode()


def test_approval_above_the_township_limit_is_refused_with_a_referral(
    ta_refused, region, case_worker_a, approver_a, approver_a3, monkeypatch
):
    """SAI 48, TA18 2(2): the township may not approve above the limit in force on the day it
    re-decides (here lowered since the case was filed), even on re-decision; the approver is
    told to refer to the county, nothing is paid and the task stays open."""
    process, letter = ta_refused
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    rule, standard, _limit = ta.township_limit_on(region.county, timezone.localdate())
    lowered = D("100.00")
    monkeypatch.setattr(ta, "township_limit_on", lambda county, on: (rule, standard, lowered))
    amount = D("200.00")
    with pytest.raises(ValidationError) as exc:
        decide(redecision, approver_a3, approve=True, reasons="重新核实。", monthly_amount=None, amount=amount)
    expected = ERR_REFER_COUNTY % {"amount": f"{amount:,.2f}", "limit": f"{lowered:,.2f}"}
    assert exc.value.messages == [str(expected)]
    assert not Payment.objects.filter(process=process).exists()
    assert TemporaryAssistanceProcess.objects.get(pk=process.pk).decision == Decision.REFUSED
    assert open_tasks(redecision, RedecisionFlow.redecide).exists()


def test_refusing_again_issues_a_new_ta_refusal_letter_with_rights(
    ta_refused,
    case_worker_a,
    approver_a,
    approver_a3,
    fund_a,
):
    """MSL 21, 38; SAI 65: a new refusal gives a new temporary-assistance letter with the
    new reasons and the appeal rights; it supersedes the set-aside letter; nothing is paid."""
    process, letter = ta_refused
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    redecision = decide(redecision, approver_a3, approve=False, reasons="重新核对后家庭存款超过限额。",
                        monthly_amount=None)  # fmt: skip
    new = redecision.letter
    assert redecision.approved is False and new.kind == CaseDocument.Kind.TA_DECISION
    assert new.process_id == process.pk and new.pk != letter.pk
    letter.refresh_from_db()
    assert letter.superseded_by_id == new.pk
    assert not Payment.objects.filter(process=process).exists()
    text = "".join(_pdf_text(new).split())
    assert "重新核对后家庭存款超过限额" in text and "行政复议" in text and "行政诉讼" in text


def test_the_task_page_asks_for_the_one_off_amount(ta_refused, case_worker_a, approver_a, approver_a3, client_for):
    """The page shows the temporary-assistance amount field, not a monthly amount."""
    _, letter = ta_refused
    redecision = redecision_of(set_aside(letter, case_worker_a, approver_a))
    task = open_tasks(redecision, RedecisionFlow.redecide).get()
    client = client_for(approver_a3)
    client.post(RedecisionFlow.redecide.reverse("assign", args=[redecision.pk, task.pk]))
    body = client.get(RedecisionFlow.redecide.reverse("index", args=[redecision.pk, task.pk]), follow=True)
    html = body.content.decode()
    assert 'name="amount"' in html and 'name="monthly_amount"' not in html and "县民政局" in html


def _pdf_text(document) -> str:
    from pypdf import PdfReader

    with document.file.open("rb") as fh:
        return "".join(page.extract_text() or "" for page in PdfReader(fh).pages)

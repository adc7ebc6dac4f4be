"""Issue 8 acceptance: replaying a real dibao case to a point before its objection shows
the original notice and amount; after it, the new ones (MSL 19: objection during the
7-day notice, re-investigation, a new opinion and a second notice)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse

from tests.dibao.conftest import accept, do, file_case, home_visit, pass_notice, propose
from workflows.core.models import AuditEvent
from workflows.dibao import services
from workflows.dibao.models import DibaoProcess, NoticeRound
from workflows.history import selectors


def _seq(process, action, nth=0):
    seqs = AuditEvent.objects.filter(chain=f"case:{process.pk}", action=action).order_by("seq")
    return list(seqs.values_list("seq", flat=True))[nth]


def _stored(event_data: dict) -> int | None:
    """The stored PDF of the document an event asked for."""
    from workflows.documents.models import PendingDocument

    return PendingDocument.objects.get(pk=event_data["pending_document"]).document_id


def _notice_as_of(events, seq):
    """The last notice posted at or before event ``seq`` (what the timeline shows then)."""
    return [e for e in events if e.action == "dibao.notice_posted" and e.seq <= seq][-1]


def test_replay_before_objection_shows_original_notice_and_amount_after_it_the_new_ones(
    region, case_worker_a, case_worker_a2, approver_a, fake_finance_check, monkeypatch, auditor, client_for
):
    """First opinion at per-capita income 100 and notice round 1; an objection; the
    re-investigation's re-check finds 250, so the new opinion has a lower amount and a
    second notice. Replay before the objection: round 1 with the first amount; after
    the second notice: round 2 with the new amount. The auditor page at ?at= shows the
    same, and the diff names both changes."""
    process = file_case(case_worker_a, region.village_a)
    process = fake_finance_check.finish(accept(process, case_worker_a), per_capita_income="100.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    first_amount = process.proposed_amount
    first_notice = NoticeRound.objects.get(process=process, round=1)

    services.objection_record(notice=process.current_notice, content="其子在外务工收入较高", anonymous=True)
    process = pass_notice(process, monkeypatch)
    process = do(process, "choose_objection_route", approver_a, services.objection_route_choose, route="reinvestigate")
    process = do(
        process, "re_investigate", case_worker_a2, services.home_visit_record, investigator_1=case_worker_a2,
        investigator_2=case_worker_a, visited_on=datetime.date.today(), findings="其子未分户，收入计入。",
        family_signatories="张三", reinvestigation=True, resolution="异议成立",
    )  # fmt: skip
    result = dict(process.finance_result, per_capita_income="250.00")
    services.dibao_record_check(process=process, check_id=process.finance_check_id, outcome="eligible", result=result)
    process = propose(DibaoProcess.objects.get(pk=process.pk), case_worker_a)
    second_amount = process.proposed_amount
    second_notice = NoticeRound.objects.get(process=process, round=2)
    assert process.notice_round == 2 and Decimal(0) < second_amount < first_amount

    key = f"dibao.dibaoprocess#{process.pk}"
    events = list(selectors.case_events(process))
    objection = _seq(process, "dibao.objection")
    second_posted = _seq(process, "dibao.notice_posted", 1)
    before = selectors.replay(process, objection - 1)
    after = selectors.replay(process, second_posted)

    assert before.objects[key]["notice_round"] == 1
    assert before.objects[key]["proposed_amount"] == f"{first_amount:.2f}"
    notice = _notice_as_of(events, objection - 1).data
    # the notice PDF is rendered after commit: the event names the request, which names the PDF (issue 19)
    assert (_stored(notice), notice["amount"]) == (first_notice.document_id, f"{first_amount:.2f}")

    assert after.objects[key]["notice_round"] == 2
    assert after.objects[key]["proposed_amount"] == f"{second_amount:.2f}"
    notice = _notice_as_of(events, second_posted).data
    assert (_stored(notice), notice["amount"]) == (second_notice.document_id, f"{second_amount:.2f}")

    changes = selectors.state_diff(before, after)
    assert changes[f"{key}.notice_round"] == [1, 2]
    assert changes[f"{key}.proposed_amount"] == [f"{first_amount:.2f}", f"{second_amount:.2f}"]

    url = reverse("history:case", args=[process.pk])
    client = client_for(auditor)
    page_before = client.get(url, {"at": objection - 1})
    assert page_before.context["state"].objects[key]["proposed_amount"] == f"{first_amount:.2f}"
    assert f"{first_amount:.2f}" in page_before.content.decode()
    page_diff = client.get(url, {"from": objection - 1, "to": second_posted})
    assert page_diff.context["state_diff"]["changes"][f"{key}.proposed_amount"] == [
        f"{first_amount:.2f}",
        f"{second_amount:.2f}",
    ]

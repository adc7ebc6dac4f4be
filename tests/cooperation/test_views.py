"""Referral and conference pages, the township's referral list, the case page, the county
dashboard and the history replay (SAI 60 一门受理、协同办理; domain.md §8 个案会商)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.workspace.conftest import make_case
from workflows.cooperation import services
from workflows.cooperation.models import ConferenceAction, Referral
from workflows.cooperation.services import ActionInput
from workflows.core import audit

pytestmark = pytest.mark.django_db


def _referrals(process, n, *, due_on, department="medical", actor):
    """``n`` referral rows of ``process`` (written directly: the list's size is what matters)."""
    today = timezone.localdate()
    case = {
        "process_id": process.pk, "case_ref": process.case_number, "county_id": process.county_id,
        "township_id": process.township_id, "village_id": process.village_id, "household_id": process.household_id,
    }  # fmt: skip
    Referral.objects.bulk_create(
        Referral(**case, department=department, need=f"需要 {i}", referred_on=today, due_on=due_on, created_by=actor)
        for i in range(n)
    )


def _conference(process, actor):
    today = timezone.localdate()
    return services.conference_record(
        process=process, held_on=today, departments=["civil_affairs", "housing"], participants="住建办 赵主任",
        needs=["basic_living", "housing"], decision="协调安置过渡住房", actor=actor,
        actions=[ActionInput("安排过渡住房", "住建办 赵主任", today + datetime.timedelta(days=3))],
    )  # fmt: skip


def test_case_worker_refers_from_the_case_page(dibao_case, case_worker_a, client_for):
    """SAI 60: the case page offers 转介其他部门; the form refers and returns to the case page,
    which lists the referral with its department in words and its due date."""
    client = client_for(case_worker_a)
    page = client.get(f"/workspace/case/{dibao_case.pk}/").content.decode()
    assert f"/cooperation/case/{dibao_case.pk}/referral/" in page and "本案件尚未转介其他部门" in page
    response = client.post(
        f"/cooperation/case/{dibao_case.pk}/referral/",
        {"department": "education", "need": "孩子上学学费困难", "answer_working_days": "10"},
    )
    assert response.status_code == 302 and response["Location"] == f"/workspace/case/{dibao_case.pk}/"
    referral = Referral.objects.get()
    page = client.get(f"/workspace/case/{dibao_case.pk}/").content.decode()
    assert "教育救助" in page and "孩子上学学费困难" in page and f"{referral.due_on:%Y-%m-%d}" in page
    assert f"/cooperation/referral/{referral.pk}/answer/" in page


def test_referral_form_errors_are_shown_not_saved(dibao_case, case_worker_a, client_for):
    """SAI 60: a referral without a need is refused with the reason on the page."""
    response = client_for(case_worker_a).post(
        f"/cooperation/case/{dibao_case.pk}/referral/",
        {"department": "medical", "need": "", "answer_working_days": "10"},
    )
    assert response.status_code == 200 and "ws-error-summary" in response.content.decode()
    assert not Referral.objects.exists()


def test_referral_pages_keep_to_the_region(dibao_case, case_worker_a, case_worker_b, approver_a, client_for):
    """Region isolation (domain.md §1): township B's worker gets 404 for a township A case and
    for its referral; township A's approver 403 (referring is the case worker's)."""
    referral = services.referral_create(process=dibao_case, department="medical", need="x", actor=case_worker_a)
    assert client_for(case_worker_b).get(f"/cooperation/case/{dibao_case.pk}/referral/").status_code == 404
    assert client_for(case_worker_b).get(f"/cooperation/referral/{referral.pk}/answer/").status_code == 404
    assert client_for(approver_a).get(f"/cooperation/case/{dibao_case.pk}/referral/").status_code == 403
    assert client_for(approver_a).get(f"/cooperation/referral/{referral.pk}/answer/").status_code == 403
    assert client_for(case_worker_a).get(f"/cooperation/referral/{referral.pk}/answer/").status_code == 200


def test_answer_page_records_the_departments_answer(dibao_case, case_worker_a, client_for):
    """SAI 60 follow-up: who answered, when and the outcome show on the case page afterwards."""
    referral = services.referral_create(process=dibao_case, department="judicial", need="欠薪纠纷", actor=case_worker_a)
    client = client_for(case_worker_a)
    response = client.post(
        f"/cooperation/referral/{referral.pk}/answer/",
        {"answered_by": "县法律援助中心 陈律师", "answered_on": f"{timezone.localdate():%Y-%m-%d}",
         "outcome": "in_progress", "answer": "已指派律师代理"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/workspace/case/{dibao_case.pk}/").content.decode()
    assert "已受理，正在办理" in page and "县法律援助中心 陈律师" in page and "部门已答复" in page


def test_conference_page_and_case_panel(ta_case, case_worker_a, approver_a, client_for):
    """domain.md §8 个案会商: the township records a conference with follow-ups on a TA case; the
    case page shows the departments in words, the decision and the open follow-up with its close form."""
    client = client_for(approver_a)
    url = f"/cooperation/case/{ta_case.pk}/conference/"
    assert "本案件申请金额超过乡镇审批限额" in client.get(url).content.decode()
    today = f"{timezone.localdate():%Y-%m-%d}"
    response = client.post(
        url,
        {"held_on": today, "departments": ["civil_affairs", "medical"], "participants": "王主任、李站长",
         "needs": ["basic_living"], "decision": "医疗费用转医保部门",
         "actions-TOTAL_FORMS": "3", "actions-INITIAL_FORMS": "0",
         "actions-0-description": "提交医疗救助申请", "actions-0-owner": "医保站", "actions-0-due_on": today},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    action = ConferenceAction.objects.get()
    page = client_for(case_worker_a).get(f"/workspace/case/{ta_case.pk}/").content.decode()
    assert "民政部门、医保部门" in page and "医疗费用转医保部门" in page and "提交医疗救助申请" in page
    assert f"/cooperation/follow-up/{action.pk}/close/" in page
    # the temporary-assistance case page (viewflow's, overridden) shows the same panel
    detail = client_for(case_worker_a).get(f"/staff/cases/temporaryassistance/{ta_case.pk}/")
    assert detail.status_code == 200 and "医疗费用转医保部门" in detail.content.decode()


def test_conference_page_is_for_temporary_assistance_cases_of_the_township(
    ta_case, dibao_case, case_worker_b, county_officer, client_for
):
    """domain.md §8: a dibao case has no conference page (404); another township 404; county 403."""
    assert client_for(county_officer).get(f"/cooperation/case/{dibao_case.pk}/conference/").status_code == 404
    assert client_for(case_worker_b).get(f"/cooperation/case/{ta_case.pk}/conference/").status_code == 404
    assert client_for(county_officer).get(f"/cooperation/case/{ta_case.pk}/conference/").status_code == 403


def test_follow_up_is_closed_by_post_only(ta_case, approver_a, case_worker_a, case_worker_b, client_for):
    """domain.md §8: a follow-up is closed from the case page (POST); GET is 405; township B 404."""
    action = _conference(ta_case, approver_a).actions.get()
    url = f"/cooperation/follow-up/{action.pk}/close/"
    assert client_for(case_worker_b).post(url, {"closing_note": "x"}).status_code == 404
    client = client_for(case_worker_a)
    assert client.get(url).status_code == 405
    assert client.post(url, {"closing_note": "已安排过渡住房"}).status_code == 302
    action.refresh_from_db()
    assert action.is_closed and action.closing_note == "已安排过渡住房"


# --- the township's list --------------------------------------------------------------------


def test_list_shows_each_township_its_own_referrals(
    region, case_worker_a, case_worker_b, county_officer, village_assistant_a, client_for
):
    """Region isolation (domain.md §1): a township sees only its own referrals, the county all
    of its townships'; a village assistant does not open the list (403) nor see its link."""
    case_a, case_b = make_case(region.village_a), make_case(region.village_b)
    today = timezone.localdate()
    _referrals(case_a, 1, due_on=today, actor=case_worker_a)
    _referrals(case_b, 1, due_on=today, department="housing", actor=case_worker_b)
    page_a = client_for(case_worker_a).get("/cooperation/referrals/").content.decode()
    assert case_a.case_number in page_a and case_b.case_number not in page_a
    assert "/cooperation/referrals/" in page_a  # the nav link
    page_b = client_for(case_worker_b).get("/cooperation/referrals/").content.decode()
    assert case_b.case_number in page_b and case_a.case_number not in page_b
    county = client_for(county_officer).get("/cooperation/referrals/").content.decode()
    assert case_a.case_number in county and case_b.case_number in county
    assert client_for(village_assistant_a).get("/cooperation/referrals/").status_code == 403
    inbox = client_for(village_assistant_a).get("/workspace/inbox/").content.decode()
    assert "/cooperation/referrals/" not in inbox


def test_list_marks_overdue_referrals_and_filters_them(region, case_worker_a, client_for):
    """SAI 60 follow-up: a referral past its due date without an answer is coloured and labelled 逾期;
    the overdue filter keeps only those; answered ones leave the default (open) list."""
    case = make_case(region.village_a)
    today = timezone.localdate()
    _referrals(case, 1, due_on=today - datetime.timedelta(days=1), actor=case_worker_a)
    _referrals(case, 1, due_on=today + datetime.timedelta(days=5), department="housing", actor=case_worker_a)
    late, on_time = Referral.objects.order_by("due_on")
    client = client_for(case_worker_a)
    body = client.get("/cooperation/referrals/").content.decode()
    assert f'class="ws-overdue" data-referral="{late.pk}"' in body
    assert f'class="" data-referral="{on_time.pk}"' in body
    rows = client.get("/cooperation/referrals/?overdue=on").context["page"].object_list
    assert [r.pk for r in rows] == [late.pk]
    Referral.objects.filter(pk=late.pk).update(status=Referral.Status.ANSWERED)
    assert [r.pk for r in client.get("/cooperation/referrals/").context["page"].object_list] == [on_time.pk]
    assert len(client.get("/cooperation/referrals/?status=all").context["page"].object_list) == 2


def test_list_query_count_does_not_grow_with_referrals(region, case_worker_a, client_for, django_assert_num_queries):
    """The list costs the same number of queries with 3 referrals as with 50 (one page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    _referrals(make_case(region.village_a), 3, due_on=today, actor=case_worker_a)
    client = client_for(case_worker_a)
    client.get("/cooperation/referrals/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/cooperation/referrals/")
    small = len(ctx.captured_queries)
    assert len(response.context["page"].object_list) == 3
    for i in range(47):
        _referrals(make_case(region.village_a2 if i % 2 else region.village_a), 1, due_on=today, actor=case_worker_a)
    audit.write_held()  # the cases just made are written, as a committed request would find them
    with django_assert_num_queries(small):
        response = client.get("/cooperation/referrals/")
    assert len(response.context["page"].object_list) == 50


def test_case_panel_query_count_does_not_grow(
    ta_case, case_worker_a, approver_a, client_for, django_assert_num_queries
):
    """The case page's referral and conference panel costs the same with 1 and with 12 of each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    _referrals(ta_case, 1, due_on=today, actor=case_worker_a)
    _conference(ta_case, approver_a)
    client = client_for(case_worker_a)
    url = f"/workspace/case/{ta_case.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    small = len(ctx.captured_queries)
    _referrals(ta_case, 11, due_on=today, actor=case_worker_a)
    for _ in range(11):
        _conference(ta_case, approver_a)
    # the setup's audit events are written now, as their own transactions would have been
    # (the test runs inside one transaction, so the page's read would write them otherwise)
    from workflows.core.audit import flush_pending

    flush_pending()
    # the page shows the last 30 audit events and counts them: the same queries either way
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.content.decode().count("coop-conference") == 12


# --- dashboard and history ----------------------------------------------------------------


def test_county_dashboard_counts_referrals_and_conferences(region, ta_case, case_worker_a, approver_a,
                                                           county_officer, client_for):  # fmt: skip
    """SAI 60 / domain.md §8: the county dashboard shows per township the open and overdue
    referrals, the year's conferences and their open follow-ups, and the totals."""
    today = timezone.localdate()
    _referrals(ta_case, 2, due_on=today - datetime.timedelta(days=2), actor=case_worker_a)
    _referrals(ta_case, 1, due_on=today + datetime.timedelta(days=2), actor=case_worker_a)
    Referral.objects.create(
        process_id=ta_case.pk, case_ref="x", county=region.county, township=region.township_a,
        village=region.village_a, department="medical", need="answered", referred_on=today, due_on=today,
        created_by=case_worker_a, status=Referral.Status.ANSWERED,
    )  # fmt: skip
    _conference(ta_case, approver_a)
    response = client_for(county_officer).get(f"/workspace/county/{region.county.pk}/")
    rows = {r.township.pk: r for r in response.context["rows"]}
    a, b = rows[region.township_a.pk], rows[region.township_b.pk]
    assert (a.referrals_open, a.referrals_overdue, a.conferences, a.actions_open) == (3, 2, 1, 1)
    assert (b.referrals_open, b.referrals_overdue, b.conferences, b.actions_open) == (0, 0, 0, 0)
    body = response.content.decode()
    assert '<strong id="kpi-referrals">3</strong>' in body and '<strong id="kpi-conferences">1</strong>' in body
    csv_lines = client_for(county_officer).get(f"/workspace/county/{region.county.pk}/export.csv").content.decode()
    assert "待答复转介" in csv_lines


def test_history_replay_shows_referral_and_conference_in_words(ta_case, case_worker_a, approver_a, client_for):
    """SAI 60 / domain.md §8: the auditor's replay of the case lists the referral, its answer and
    the conference with labels and choices in words (no codes such as ``medical``)."""
    referral = services.referral_create(process=ta_case, department="medical", need="住院费用", actor=case_worker_a)
    services.referral_answer(referral=referral, answered_by="医保局 张", answered_on=timezone.localdate(),
                             outcome="granted", answer="已救助", actor=case_worker_a)  # fmt: skip
    _conference(ta_case, approver_a)
    body = client_for(case_worker_a).get(f"/history/case/{ta_case.pk}/").content.decode()
    for words in ("转介其他部门专项救助", "登记部门转介答复", "记录个案会商", "会商后续事项",
                  "医疗救助", "已给予救助", "民政部门、住建部门", "基本生活、住房", "协调安置过渡住房"):  # fmt: skip
        assert words in body, words
    for code in ("civil_affairs", "basic_living", ">medical<", ">granted<"):
        assert code not in body, code


def test_intake_task_page_offers_the_referral(region, case_worker_a, approver_a, client_for):
    """SAI 60 (一门受理): on the acceptance step right after intake (here a dibao filing), the case
    worker can refer the household without leaving the step, and sees how many referrals are open;
    the approver, who does not refer, does not get the link."""
    from django.template import Context, Template
    from django.test import RequestFactory

    from tests.dibao.conftest import file_case as file_dibao
    from workflows.core.driving import assign_task, open_tasks
    from workflows.dibao.flows import DibaoFlow

    process = file_dibao(case_worker_a, region.village_a)
    task = open_tasks(process, DibaoFlow.accept).get()
    assign_task(task, user=case_worker_a)
    url = task.flow_task.reverse("execute", args=[process.pk, task.pk])
    page = client_for(case_worker_a).get(url).content.decode()
    assert f"/cooperation/case/{process.pk}/referral/?next=" in page and "本案件已转介" not in page
    services.referral_create(process=process, department="employment", need="失业，需就业帮扶", actor=case_worker_a)
    page = client_for(case_worker_a).get(url).content.decode()
    assert "本案件已转介 1 项，待答复 1 项。" in page
    template = Template("{% load cooperation_tags %}{% referral_link process %}")
    for user, shown in ((case_worker_a, True), (approver_a, False)):
        request = RequestFactory().get(url)
        request.user = user
        assert ("coop-refer-link" in template.render(Context({"request": request, "process": process}))) is shown

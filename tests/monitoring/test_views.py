"""Monitoring pages (LI23; domain.md §8): the township list, a signal's handling, the staff
report, the county's department upload (all or nothing) and the county view and dashboard."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.monitoring.helpers import receive
from workflows.cooperation.models import Referral
from workflows.monitoring import services
from workflows.monitoring.batch import ERR_KIND
from workflows.monitoring.models import Signal, UnmatchedSignal

pytestmark = pytest.mark.django_db


def _csv(rows, header="身份证号码,姓名,预警类别,发生日期,情况说明") -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode("utf-8")


def _upload(client, content: bytes, name="medical.csv", source="health_insurance"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/monitoring/upload/", {"source": source, "file": SimpleUploadedFile(name, content)})


# --- the list ---------------------------------------------------------------------------


def test_the_township_list_shows_its_own_signals_with_overdue_marked(
    region, county_officer, person_a, person_b, case_worker_a, client_for
):
    """Region isolation (domain.md §1): township A sees its signal, not township B's; an
    overdue row carries the overdue badge."""
    ours = receive(county_officer, region.county, person_a.id_number)
    receive(county_officer, region.county, person_b.id_number)
    Signal.objects.filter(pk=ours.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    response = client_for(case_worker_a).get("/monitoring/")
    assert [s.pk for s in response.context["page"]] == [ours.pk]
    html = response.content.decode()
    assert f'data-signal="{ours.pk}"' in html and "ws-overdue" in html


def test_the_list_costs_the_same_queries_for_3_and_for_50_signals(
    region, county_officer, case_worker_a, client_for, django_assert_num_queries
):
    def signals(n):
        for _ in range(n):
            household = factories.HouseholdFactory(village=region.village_a)
            member = factories.MemberFactory(household=household)
            receive(county_officer, region.county, member.id_number)

    signals(3)
    client = client_for(case_worker_a)
    client.get("/monitoring/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/monitoring/")
    signals(47)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get("/monitoring/")
    assert len(response.context["page"].object_list) == 50


def test_a_signal_of_another_township_is_404(
    region, county_officer, person_b, case_worker_a, case_worker_b, client_for
):
    """Out of region: 404 on the page and on every handling URL, before the method is looked at."""
    signal = receive(county_officer, region.county, person_b.id_number)
    client = client_for(case_worker_a)
    assert client.get(f"/monitoring/signal/{signal.pk}/").status_code == 404
    for action in ("case", "recheck", "refer", "dismiss"):
        assert client.post(f"/monitoring/signal/{signal.pk}/{action}/", {"reason": "x"}).status_code == 404
        assert client.get(f"/monitoring/signal/{signal.pk}/{action}/").status_code == 404
    ours = client_for(case_worker_b).get(f"/monitoring/signal/{signal.pk}/dismiss/")
    assert ours.status_code == 405  # in scope: the form URL takes POST only
    signal.refresh_from_db()
    assert signal.is_open


# --- handling through the pages ---------------------------------------------------------


def test_dismissal_through_the_page_needs_a_reason(region, county_officer, person_a, case_worker_a, client_for):
    signal = receive(county_officer, region.county, person_a.id_number)
    client = client_for(case_worker_a)
    refused = client.post(f"/monitoring/signal/{signal.pk}/dismiss/", {"reason": ""})
    assert refused.status_code == 400 and str(services.ERR_REASON) in refused.content.decode()
    done = client.post(f"/monitoring/signal/{signal.pk}/dismiss/", {"reason": "已核实，医疗费用已由大病保险报销。"})
    assert done.status_code == 302
    signal.refresh_from_db()
    assert signal.status == Signal.Status.DISMISSED


def test_referral_through_the_page(region, county_officer, person_a, case_a, case_worker_a, client_for):
    signal = receive(county_officer, region.county, person_a.id_number)
    response = client_for(case_worker_a).post(
        f"/monitoring/signal/{signal.pk}/refer/",
        {"department": "medical", "need": "住院自付费用高，申请医疗救助。", "answer_working_days": 10},
    )
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.handling == "referral" and signal.referral == Referral.objects.get()


def test_the_township_approver_sees_but_cannot_handle(region, county_officer, person_a, approver_a, client_for):
    signal = receive(county_officer, region.county, person_a.id_number)
    client = client_for(approver_a)
    page = client.get(f"/monitoring/signal/{signal.pk}/")
    assert page.status_code == 200 and not page.context["handler"]
    assert client.post(f"/monitoring/signal/{signal.pk}/dismiss/", {"reason": "x"}).status_code == 403


def test_a_staff_report_lands_on_the_list(region, case_worker_a, person_a, client_for):
    """A case worker's report (村级报告) becomes a signal of the township; the reporter may
    not dismiss it, so the page offers the dismissal to other workers only."""
    client = client_for(case_worker_a)
    response = client.post("/monitoring/report/", {
        "id_number": person_a.id_number, "kind": "village_report", "details": "走访发现家中老人卧床，无人照料。",
        "occurred_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(), "person_name": "",
    })  # fmt: skip
    signal = Signal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/signal/{signal.pk}/"
    assert signal.source == "staff" and signal.reported_by == case_worker_a
    assert not client.get(response["Location"]).context["may_dismiss"]


# --- the county's upload ----------------------------------------------------------------


def test_a_department_file_with_one_bad_row_imports_nothing(region, county_officer, person_a, client_for):
    """All or nothing: a wrong kind on line 3 and a bad ID on line 4: nothing recorded; each
    problem reported with its line and column, and the error report downloads as CSV."""
    day = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    content = _csv([f"{person_a.id_number},王秀英,住院大额医疗费用,{day},自付3万元",
                    f"{person_a.id_number},王秀英,中彩票,{day},", f"990101198001011230,某人,死亡,{day},"])  # fmt: skip
    client = client_for(county_officer)
    response = _upload(client, content)
    assert response.status_code == 200
    problems = [(p.row, p.column) for p in response.context["report"].problems]
    assert problems == [(3, "预警类别"), (4, "身份证号码")]
    assert str(ERR_KIND) in response.content.decode()
    assert not Signal.objects.exists() and not UnmatchedSignal.objects.exists()
    report = client.get("/monitoring/upload/errors.csv").content.decode("utf-8-sig")
    assert "3,预警类别," in report


def test_a_clean_department_file_is_received_matched_and_unmatched(
    region, county_officer, person_a, person_b, stranger_id, client_for
):
    day = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    content = _csv([f"{person_a.id_number},王秀英,hospitalisation,{day},自付3万元",
                    f"{person_b.id_number},李建国,住院大额医疗费用,{day},",
                    f"{stranger_id},无名,住院大额医疗费用,{day},"])  # fmt: skip
    response = _upload(_client := client_for(county_officer), content)
    assert response.status_code == 302
    assert sorted(Signal.objects.values_list("township_id", flat=True)) == sorted(
        [region.township_a.pk, region.township_b.pk]
    )
    assert UnmatchedSignal.objects.count() == 1


def test_only_county_officers_upload(case_worker_a, client_for):
    assert client_for(case_worker_a).get("/monitoring/upload/").status_code == 403


# --- the county view and the dashboard --------------------------------------------------


def test_unmatched_signals_show_for_the_county_never_for_a_township(
    region, county_officer, stranger_id, case_worker_a, client_for
):
    receive(county_officer, region.county, stranger_id, person_name="无名氏")
    county_page = client_for(county_officer).get("/monitoring/county/")
    assert len(county_page.context["unmatched"].object_list) == 1
    assert stranger_id not in county_page.content.decode()  # masked even for the county
    assert client_for(case_worker_a).get("/monitoring/county/").status_code == 403
    assert "无名氏" not in client_for(case_worker_a).get("/monitoring/").content.decode()


def test_the_county_dashboard_counts_signals_received_handled_overdue(
    region, county_officer, person_a, person_b, case_worker_a, client_for
):
    """domain.md §8: the dashboard shows per township the signals received, handled and overdue."""
    handled = receive(county_officer, region.county, person_a.id_number)
    services.signal_dismiss(signal=handled, reason="已核实。", actor=case_worker_a)
    late = receive(county_officer, region.county, person_a.id_number)
    Signal.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    receive(county_officer, region.county, person_b.id_number)
    response = client_for(county_officer).get(f"/workspace/county/{region.county.pk}/")
    assert response.context["monitoring"] == {"received": 3, "handled": 1, "overdue": 1}
    rows = {t.pk: (c.received, c.handled, c.overdue) for t, c in response.context["monitoring_rows"]}
    assert rows[region.township_a.pk] == (2, 1, 1) and rows[region.township_b.pk] == (1, 0, 0)
    assert 'id="kpi-signals-overdue">1<' in response.content.decode()

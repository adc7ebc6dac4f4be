"""The auditor's case page and case file read each person's name once, not once per event
(issue 19 / house rule: no N+1 on staff pages); the names shown are unchanged (domain.md §8:
the timeline says who did what)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.dibao.conftest import (  # noqa: F401 - fixtures used by name
    accept,
    approver_a2,
    fake_finance_check,
    file_case,
    home_visit,
    pass_notice,
    propose,
    sign_all,
)
from workflows.history import display


def _user_reads(ctx) -> int:
    return sum(1 for q in ctx.captured_queries if q["sql"].startswith("SELECT") and 'FROM "auth_user"' in q["sql"])


def test_a_name_is_read_once_within_the_memo_and_afresh_outside(case_worker_a, approver_a, django_assert_num_queries):
    """Inside ``names_remembered`` a person already named (or known not to exist) costs no
    query; outside it every call reads, so a renamed user shows the new name next time."""
    missing = approver_a.pk + 10_000
    with display.names_remembered():
        with django_assert_num_queries(1):
            first = display._users([case_worker_a.pk, missing])
        with django_assert_num_queries(1):
            second = display._users([case_worker_a.pk, approver_a.pk, missing])
        with django_assert_num_queries(0):
            third = display._users([approver_a.pk, case_worker_a.pk, missing, "系统"])
    assert first == {case_worker_a.pk: display.person_name(case_worker_a)}
    assert second == third == {case_worker_a.pk: display.person_name(case_worker_a),
                               approver_a.pk: display.person_name(approver_a)}  # fmt: skip
    case_worker_a.first_name, case_worker_a.last_name = "改", "名"
    case_worker_a.save()
    with django_assert_num_queries(1):
        assert display._users([case_worker_a.pk]) == {case_worker_a.pk: display.person_name(case_worker_a)}


def test_the_case_page_names_each_person_once(
    region,
    case_worker_a,
    case_worker_a2,
    approver_a,
    approver_a2,  # noqa: F811
    fake_finance_check,  # noqa: F811
    monkeypatch,
    client_for,
    auditor,
):
    """An approved 低保 case (filing to decision, four staff): the auditor's page read the users
    table 20 times (once per event naming someone); now once per person at most, plus the
    signed-in user, and every one of them is still named on the page."""
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    process = pass_notice(process, monkeypatch)
    process = sign_all(process, case_worker_a, approver_a, approver_a2)
    client = client_for(auditor)
    client.get(f"/history/case/{process.pk}/")  # the first view's own audit writes settle
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(f"/history/case/{process.pk}/")
    assert page.status_code == 200
    staff = (case_worker_a, case_worker_a2, approver_a, approver_a2)
    assert _user_reads(ctx) <= len(staff) + 1
    body = page.content.decode()
    for person in staff:
        assert display.person_name(person) in body

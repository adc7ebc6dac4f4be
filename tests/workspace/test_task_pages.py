"""Task pages staff reach render in the staff base with usable forms, and a submit returns
to the workspace (issue 14 items 1, 3, 4)."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context, Template
from viewflow.workflow.status import STATUS

from tests.dibao.conftest import file_case, task_of
from tests.workspace.conftest import make_tasks
from workflows.core.driving import assign_task
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import DibaoProcess
from workflows.workspace import selectors

pytestmark = pytest.mark.usefixtures("fake_finance_check")


@pytest.fixture
def claimed_accept(region, case_worker_a):
    process = file_case(case_worker_a, region.village_a)
    task = task_of(process, "accept")
    assign_task(task, user=case_worker_a)
    return process, task


def _text_nodes(html: str) -> list[str]:
    body = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return [t.strip() for t in re.findall(r">([^<]+)<", body) if t.strip()]


def test_acceptance_form_is_ours_with_checkboxes_and_case_summary(claimed_accept, case_worker_a, client_for):
    """The acceptance page (MSL 10) is the staff base: no viewflow custom element, the
    missing-materials list as one Bootstrap checkbox per material, the case summary in
    words instead of viewflow's raw process data."""
    process, task = claimed_accept
    page = client_for(case_worker_a).get(selectors._task_url(task, "execute"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<vf-" not in html and 'name="viewport"' in html and 'class="ws-nav' in html
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*name="missing"[^>]*>', html)
    assert len(boxes) == 7 and all("form-check-input" in b for b in boxes)
    assert "案件概况" in html and process.case_number in html
    assert not {"False", "True", "[]", "{}"} & set(_text_nodes(html))


def test_submit_returns_to_the_case_workspace_with_a_message(claimed_accept, case_worker_a, client_for):
    """Accepting with one missing item records the one-time notice (MSL 10) and lands on the
    workspace case page with a success message, not on viewflow's case page."""
    process, task = claimed_accept
    client = client_for(case_worker_a)
    response = client.post(selectors._task_url(task, "execute"), {"missing": ["income_proof"], "delegated": "on"})
    assert response.status_code == 302 and response["Location"] == f"/workspace/case/{process.pk}/"
    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.missing_materials == ["income_proof"]
    assert task_of(process, "complete_materials").status == STATUS.NEW
    page = client.get(response["Location"]).content.decode()
    assert "alert-success" in page and "已提交" in page and "受理审查" in page


def test_submit_goes_on_to_the_next_task_when_it_is_the_users(claimed_accept, case_worker_a, client_for):
    """When the case has a further task already assigned to the user, the submit leads there."""
    process, task = claimed_accept
    make_tasks(process, DibaoFlow.complete_materials, 1, status=STATUS.ASSIGNED, owner=case_worker_a)
    following = process.task_set.get(flow_task=DibaoFlow.complete_materials, owner=case_worker_a)
    response = client_for(case_worker_a).post(selectors._task_url(task, "execute"), {"delegated": "on"})
    assert response.status_code == 302
    assert response["Location"] == selectors._task_url(following, "index")


def test_invalid_submit_shows_a_summary_and_the_field_error(claimed_accept, case_worker_a, client_for):
    """A bad value answers the form again (never a 500 or a silent 422) with an error summary
    at the top linking to the field, the error at the field, and nothing written."""
    process, task = claimed_accept
    response = client_for(case_worker_a).post(selectors._task_url(task, "execute"), {"extension_reason": "bogus"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ws-error-summary"' in html and 'href="#id_extension_reason"' in html
    assert "invalid-feedback" in html or "is-invalid" in html
    assert task_of(process, "accept").status == STATUS.ASSIGNED


def test_other_roles_and_townships_cannot_open_the_task(claimed_accept, approver_a, case_worker_b, client_for):
    """The approver (wrong role) is refused; a case worker of another township gets 404."""
    _process, task = claimed_accept
    url = selectors._task_url(task, "execute")
    assert client_for(approver_a).get(url).status_code in (302, 403)
    assert client_for(case_worker_b).get(url).status_code == 404


def test_task_detail_and_claim_pages_use_the_staff_base(region, case_worker_a, client_for):
    """viewflow's task detail and assign pages (reachable from a task link) are ours too."""
    process = file_case(case_worker_a, region.village_a)
    task = task_of(process, "accept")
    client = client_for(case_worker_a)
    for name in ("detail", "assign"):
        html = client.get(selectors._task_url(task, name)).content.decode()
        assert "<vf-" not in html and "mdc-" not in html and 'class="ws-nav' in html, name
        assert "Unassigned" not in html


def test_claim_message_links_to_the_task(region, case_worker_a, client_for):
    """After a claim in the queue, the message carries a "去办理" link to the claimed task."""
    process = file_case(case_worker_a, region.village_a)
    task = task_of(process, "accept")
    client = client_for(case_worker_a)
    response = client.post("/workspace/claim/", {"one": task.pk, "next": "/workspace/queue/"}, follow=True)
    html = response.content.decode()
    assert re.search(rf'<a class="alert-link" href="{re.escape(selectors._task_url(task, "index"))}">去办理</a>', html)


def test_staff_form_gives_date_pickers_and_checkboxes():
    """Dates get ``<input type="date">``; a multiple choice with the default select becomes
    checkboxes (a ``<select multiple>`` is unusable on a phone)."""

    class F(forms.Form):
        day = forms.DateField(label="日期")
        kinds = forms.MultipleChoiceField(label="类别", choices=[("a", "甲"), ("b", "乙")])

    html = Template("{% load staff_ui crispy_forms_tags %}{{ form|staff_form|crispy }}").render(Context({"form": F()}))
    assert re.search(r'<input[^>]*type="date"[^>]*name="day"', html)
    assert len(re.findall(r'type="checkbox"[^>]*name="kinds"', html)) == 2 and "<select" not in html


def test_case_page_and_history_name_people_not_logins(region, case_worker_a, client_for):
    """The timeline on the case page and the replay name the actor by display name, never by
    login name (issue 14 item 5)."""
    process = file_case(case_worker_a, region.village_a)
    client = client_for(case_worker_a)
    for url in (f"/workspace/case/{process.pk}/", f"/history/case/{process.pk}/"):
        texts = _text_nodes(client.get(url).content.decode())
        assert case_worker_a.username not in " ".join(texts), url
        assert any(case_worker_a.get_full_name() in t for t in texts), url


def test_claim_under_htmx_answers_the_row(region, case_worker_a, case_worker_a2, client_for):
    """A row's 领取 under htmx answers that row (claimed, with 去办理) without a reload; a task
    someone else claimed first answers a refusal row; nothing is queued as a message."""
    process = file_case(case_worker_a, region.village_a)
    task = task_of(process, "accept")
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = client_for(case_worker_a).post("/workspace/claim/", {"one": task.pk}, **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith("<tr") and "table-success" in html
    assert f'href="{selectors._task_url(task, "index")}"' in html and "去办理" in html
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner_id == case_worker_a.pk
    late = client_for(case_worker_a2).post("/workspace/claim/", {"one": task.pk}, **htmx).content.decode()
    assert "table-warning" in late and "未能领取" in late
    assert "alert" not in client_for(case_worker_a).get("/workspace/queue/").content.decode().split("<main")[1][:400]

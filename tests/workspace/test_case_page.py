"""The one-page case workspace: household (ID numbers masked), finance check, documents,
timeline, diagram and the user's task; 404 outside the user's regions (domain.md §1)."""

from __future__ import annotations

from tests.dibao import conftest as d


def test_case_page_shows_everything_on_one_page(region, case_worker_a, client_for, fake_finance_check):
    """The page holds each section, masks ID numbers and offers the user's claimable task."""
    process = d.file_case(case_worker_a, region.village_a)
    member = process.household.members.first()
    response = client_for(case_worker_a).get(f"/workspace/case/{process.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    for heading in ("我的任务", "家庭情况", "家庭经济状况核对", "文书", "流程图", "办理经过"):
        assert heading in body
    assert member.id_number not in body and member.id_number[-4:] in body
    assert "<svg" in body and "受理审查" in body
    assert response.context["claimable"]


def test_case_page_is_404_out_of_scope(region, case_worker_a, case_worker_b, outsider, client_for):
    """Another township's worker and a user without a region get 404, never the case."""
    process = d.file_case(case_worker_a, region.village_a)
    assert client_for(case_worker_b).get(f"/workspace/case/{process.pk}/").status_code == 404
    assert client_for(outsider).get(f"/workspace/case/{process.pk}/").status_code == 404


def test_case_page_holds_the_task_form_and_it_completes_the_task(region, case_worker_a, client_for):
    """The user's assigned task is on the page as the node's own form; posting it (to the
    node's execute view, which runs the service) completes the task."""
    from viewflow.workflow.status import STATUS

    from workflows.workspace import services

    process = d.file_case(case_worker_a, region.village_a)
    task = d.task_of(process, "accept")
    services.task_claim(task_pk=task.pk, actor=case_worker_a)
    client = client_for(case_worker_a)
    response = client.get(f"/workspace/case/{process.pk}/")
    (mine,) = response.context["mine"]
    assert mine["form"] is not None and mine["execute_url"]
    body = response.content.decode()
    assert f'action="{mine["execute_url"]}"' in body and "提交办理" in body
    data = {}
    for bound in mine["form"]:
        value = bound.value()
        if value in (None, False, ""):
            continue
        data[bound.html_name] = value
    done = client.post(mine["execute_url"], data)
    assert done.status_code == 302, done.content.decode()[:2000]
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner_id == case_worker_a.pk

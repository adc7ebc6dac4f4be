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


def test_case_page_statements_do_not_grow_with_members_and_documents(
    region, case_worker_a, approver_a, client_for, django_assert_num_queries
):
    """The case page reads a case's members and documents in a constant number of
    statements: three more members and three more documents (stored by different people)
    cost no statement more (issue 20 item 10: staff pages at a few times raw SQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories
    from workflows.documents.models import CaseDocument
    from workflows.documents.services import document_store

    process = d.file_case(case_worker_a, region.village_a)
    client = client_for(case_worker_a)
    url = f"/workspace/case/{process.pk}/"
    client.get(url)  # the first request of a session warms per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    small = len(ctx.captured_queries)
    for n, actor in enumerate((case_worker_a, approver_a, None)):
        factories.MemberFactory(household=process.household)
        document_store(
            process_id=process.pk, kind=CaseDocument.Kind.OTHER, filename=f"more{n}.pdf",
            content=b"%PDF-1.4 more", actor=actor,
        )  # fmt: skip
    # the deferred writes of those stores (the case index row, their audit events) run at
    # the next statement of this test's one transaction: let a request take them first
    client.get(url)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200 and len(response.context["documents"]) >= 3
    assert len(response.context["members"]) >= 4

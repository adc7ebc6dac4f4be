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

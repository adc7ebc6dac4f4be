"""Issue 8 items 3-5: the auditor's case page (timeline, state as of, diff, flow diagram)
and the case-file PDF; access follows case scope; auditors' own reads are audited."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from workflows.core.models import AuditEvent
from workflows.core.models.audit import AuditChainHead


def url(process, name="case"):
    return reverse(f"history:{name}", args=[process.pk])


def viewer_actions(user):
    return list(AuditEvent.objects.filter(chain=f"viewer:{user.pk}").values_list("action", "data"))


def test_auditor_sees_timeline_state_chart_and_verification(finished_case, auditor, client_for):
    """The county auditor (domain.md §1: replays any case's full history) gets the page;
    the view is logged on the auditor's own chain."""
    response = client_for(auditor).get(url(finished_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert finished_case.case_number in html
    assert 'id="chain-ok"' in html
    assert node_classes(html).get("review") == "done"  # path on the diagram
    last = AuditChainHead.objects.get(chain=f"case:{finished_case.pk}").seq
    assert response.context["state"].seq == last
    assert len(response.context["events"]) == last
    assert viewer_actions(auditor) == [
        (
            "history.viewed",
            {"case": finished_case.pk, "case_number": finished_case.case_number, "at": last, "from": None, "to": None},
        )
    ]


def test_state_as_of_and_diff_between_two_points(finished_case, auditor, client_for):
    """?at=<seq> replays to that event; ?from=&to= diffs the two reconstructed states."""
    review = AuditEvent.objects.get(chain=f"case:{finished_case.pk}", action="case.review").seq
    client = client_for(auditor)
    before = client.get(url(finished_case), {"at": review - 1}).context["state"]
    key = f"skeleton.skeletonprocess#{finished_case.pk}"
    assert before.seq == review - 1 and "approved" not in before.objects[key]
    response = client.get(url(finished_case), {"from": review - 1, "to": review})
    assert response.context["state_diff"]["changes"] == {
        f"{key}.approved": [None, True],
        f"{key}.review_note": [None, "ok"],
    }
    assert 'id="diff"' in response.content.decode()


def test_township_staff_of_the_case_may_view(finished_case, case_worker_a, client_for):
    """Township staff of the case's township see its history."""
    assert client_for(case_worker_a).get(url(finished_case)).status_code == 200


@pytest.mark.parametrize("who", ["approver_b", "outsider"])
def test_out_of_scope_users_get_404(finished_case, who, request, client_for):
    """Another township's staff and users without any region get 404 for page and export;
    nothing is logged for them."""
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(url(finished_case)).status_code == 404
    assert client.get(url(finished_case, "export")).status_code == 404
    assert viewer_actions(user) == []


def test_anonymous_is_sent_to_login(finished_case, client):
    """Every history page needs a login."""
    response = client.get(url(finished_case))
    assert response.status_code == 302 and "login" in response["Location"]


def test_tampered_case_page_shows_the_break(finished_case, auditor, client_for, tamper):
    """After a row is changed in the database the auditor's page says where the chain breaks."""
    tamper.set_data(f"case:{finished_case.pk}", 2, {"forged": True})
    response = client_for(auditor).get(url(finished_case))
    assert 'id="chain-broken"' in response.content.decode()
    assert response.context["verification"].broken.seq == 2


def test_case_file_pdf_has_timeline_decisions_and_verification(finished_case, auditor, approver_a, client_for):
    """The export is a PDF with the chain verification result, decisions (by the person's
    name, not the login name) and the timeline (CJK text embedded); the export is logged on
    the auditor's chain."""
    response = client_for(auditor).get(url(finished_case, "export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{finished_case.case_number}-history.pdf" in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = "".join(text.split())
    assert finished_case.case_number in compact
    assert "哈希链校验结果" in compact and "完整" in compact
    assert approver_a.get_full_name() and "".join(approver_a.get_full_name().split()) in compact
    assert "乡镇审核" in compact and "approver_a" not in compact
    assert "完整时间线" in compact
    ((action, data),) = viewer_actions(auditor)
    assert action == "history.exported" and data["chain_ok"] is True


def node_classes(html):
    """{node name: status class} of the flow diagram's nodes (nodes without status left out)."""
    import re

    return dict(re.findall(r'<g transform="[^"]*" data-node="(\w+)" data-status="(\w+)"', html))


def test_flow_diagram_shows_path_taken_and_where_the_case_stands(
    region, case_worker_a, approver_a, auditor, client_for, django_capture_on_commit_callbacks
):
    """An open case: the start is done, the review is where it stands (new), nothing
    after it is coloured. The same case once finished: every node on its path done;
    replayed to the review's start: the review started, the end not reached (issue 8 item 4)."""
    from tests.skeleton.test_flow import open_case, review
    from workflows.core.driving import open_tasks
    from workflows.skeleton.flows import SkeletonFlow

    process = open_case(case_worker_a, region.village_a)
    client = client_for(auditor)
    now = node_classes(client.get(url(process)).content.decode())
    assert now.get("start") == "done" and now.get("review") == "new"
    assert "end" not in now and "registry_receipt" not in now

    with django_capture_on_commit_callbacks(execute=True):
        review(open_tasks(process, SkeletonFlow.review).get(), approver_a)
    finished = node_classes(client.get(url(process)).content.decode())
    assert finished.get("review") == "done" and finished.get("end") == "done"
    started = AuditEvent.objects.get(chain=f"case:{process.pk}", action="task.started", data__node="review").seq
    then = node_classes(client.get(url(process), {"at": started}).content.decode())
    assert then.get("start") == "done" and then.get("review") == "started" and "end" not in then

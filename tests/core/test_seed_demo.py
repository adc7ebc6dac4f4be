"""seed_demo builds the demo county and is safe to re-run (issue 2)."""

from django.contrib.auth import get_user_model
from django.core.management import call_command

from workflows.core.models import County, StaffAssignment, Township, Village
from workflows.skeleton.models import SkeletonProcess


def test_seed_demo_twice(db, django_capture_on_commit_callbacks):
    """One county, 3 townships x 3 villages, one user per role per township; a second run adds nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    counts = (
        County.objects.count(), Township.objects.count(), Village.objects.count(),
        get_user_model().objects.count(), StaffAssignment.objects.count(), SkeletonProcess.objects.count(),
    )  # fmt: skip
    assert counts[:3] == (1, 3, 9)
    users = set(get_user_model().objects.values_list("username", flat=True))
    for slug in ("qingshan", "hekou", "chengguan"):
        assert {f"{slug}_worker", f"{slug}_approver", f"{slug}_assistant"} <= users
    assert {"county_officer", "county_reviewer", "county_auditor", "admin"} <= users
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    again = (
        County.objects.count(), Township.objects.count(), Village.objects.count(),
        get_user_model().objects.count(), StaffAssignment.objects.count(), SkeletonProcess.objects.count(),
    )  # fmt: skip
    assert again == counts


def test_demo_user_sees_inbox(db, client, django_capture_on_commit_callbacks):
    """A demo approver logs in with the README password and opens the task inbox."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    assert (
        client.post("/accounts/login/", {"username": "qingshan_approver", "password": "demo-pass-2026"}).status_code
        == 302
    )
    case = SkeletonProcess.objects.filter(township__code="990101001", status="NEW").get()
    response = client.get("/staff/cases/skeleton/queue/")
    assert response.status_code == 200
    assert f"/staff/cases/skeleton/{case.pk}/review/" in response.content.decode()

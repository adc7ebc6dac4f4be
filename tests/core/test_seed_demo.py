"""seed_demo builds the demo county and is safe to re-run (issue 2).

The tests share one seeded database (``seeded``: seed_demo runs once for the module, in a
transaction rolled back after it); each test runs in a savepoint of its own inside it, so
what one test changes is gone before the next, in any order."""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings

from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - fixture
from workflows.core.models import County, DibaoStandard, StaffAssignment, Township, Village
from workflows.core.models.rules import Area
from workflows.core.models.staff import Role
from workflows.finance_check.models import FinanceCheckProcess
from workflows.finance_check.sandbox.server import SandboxServer
from workflows.funds.models import ReserveFund
from workflows.skeleton.models import SkeletonProcess

# Under xdist the module's tests go to one worker, which seeds once (Makefile: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("seed_demo")


@contextmanager
def demo_sandbox():
    """The registry sandbox on a port of its own, as in `make demo`, with the settings of the
    ``registry_sandbox`` fixture (module scope cannot use that function-scoped fixture)."""
    server = SandboxServer("127.0.0.1", 0, hang_seconds=5).start()
    overrides = {
        "FINANCE_CHECK_SANDBOX_URL": server.url, "FINANCE_CHECK_REGISTRIES": {}, "FINANCE_CHECK_MAX_RETRIES": 2,
        "FINANCE_CHECK_RETRY_BACKOFF": 0.01, "FINANCE_CHECK_TIMEOUT": 0.5,
    }  # fmt: skip
    try:
        with override_settings(**overrides), pytest.MonkeyPatch.context() as env:
            env.setenv("REGISTRY_SANDBOX_URL", server.url)
            yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """seed_demo run once, its on-commit work (the demo finance checks against the sandbox)
    executed, inside a transaction held open for the module and rolled back after it."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
    try:
        with django_db_blocker.unblock(), demo_sandbox(), TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo")
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.label != "sessions.Session"}


def test_seed_demo_twice(seeded, db, django_capture_on_commit_callbacks, registry_sandbox):  # noqa: F811
    """One county, 3 townships x 3 villages, one user per role per township; a second run adds nothing.
    (The registry sandbox runs on a port of its own, as in `make demo`: the demo finance checks
    run the first time and are not repeated; nothing depends on the machine's port 8765.)"""
    counts = (
        County.objects.count(), Township.objects.count(), Village.objects.count(),
        get_user_model().objects.count(), StaffAssignment.objects.count(), SkeletonProcess.objects.count(),
    )  # fmt: skip
    assert counts[:3] == (1, 3, 9)
    users = set(get_user_model().objects.values_list("username", flat=True))
    for slug in ("qingshan", "hekou", "chengguan"):
        assert {f"{slug}_worker", f"{slug}_approver", f"{slug}_assistant"} <= users
    assert {"county_officer", "county_reviewer", "county_auditor", "admin"} <= users
    assert FinanceCheckProcess.objects.filter(case_ref__startswith="demo-household-").count() == 3  # sandbox answered
    before = row_counts()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    assert row_counts() == before  # nothing at all is added by a second run
    again = (
        County.objects.count(), Township.objects.count(), Village.objects.count(),
        get_user_model().objects.count(), StaffAssignment.objects.count(), SkeletonProcess.objects.count(),
    )  # fmt: skip
    assert again == counts


def test_seed_demo_staff_rules_and_funds(seeded, db):
    """Each township has its named case worker and approver (township) and village
    assistant (its first village); the county has its officer, reviewer and auditor;
    urban and rural dibao standards are in force; every township has a funded reserve."""
    county = County.objects.get()
    active = StaffAssignment.objects.active()
    for slug, code in (("qingshan", "990101001"), ("hekou", "990101002"), ("chengguan", "990101003")):
        township = Township.objects.get(code=code)
        assert active.filter(role=Role.CASE_WORKER, township=township, user__username=f"{slug}_worker").exists()
        assert active.filter(role=Role.APPROVER, township=township, user__username=f"{slug}_approver").exists()
        assistant = active.get(user__username=f"{slug}_assistant")
        assert (assistant.role, assistant.village) == (Role.VILLAGE_ASSISTANT, township.villages.order_by("code")[0])
        assert ReserveFund.objects.filter(township=township, balance__gt=Decimal("0")).exists(), township
    for role, username in (
        (Role.COUNTY_OFFICER, "county_officer"), (Role.COUNTY_REVIEWER, "county_reviewer"), (Role.AUDITOR, "county_auditor"),
    ):  # fmt: skip
        assert active.filter(role=role, county=county, user__username=username).exists(), role
    for area in (Area.URBAN, Area.RURAL):
        assert DibaoStandard.objects.in_force(county=county, area=area).amount > 0


def test_demo_user_sees_inbox(seeded, db, client):
    """A demo approver opens the login page, logs in with the README password, finds
    the waiting review in the queue, takes it and sees it in the task inbox."""
    login_page = client.get("/accounts/login/")
    assert login_page.status_code == 200
    assert 'name="password"' in login_page.content.decode()
    response = client.post("/accounts/login/", {"username": "qingshan_approver", "password": "demo-pass-2026"})
    assert response.status_code == 302
    case = SkeletonProcess.objects.filter(township__code="990101001", status="NEW").get()
    task = case.task_set.get(status="NEW")
    task_url = f"/staff/cases/skeleton/{case.pk}/review/{task.pk}/"
    response = client.get("/staff/cases/skeleton/queue/")
    assert response.status_code == 200
    assert task_url in response.content.decode()
    assert client.post(f"{task_url}assign/").status_code == 302
    response = client.get("/staff/cases/skeleton/inbox/")
    assert response.status_code == 200
    assert task_url in response.content.decode()

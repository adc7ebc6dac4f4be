"""seed_demo builds the demo county and is safe to re-run (issue 2), and shows the caseload
after the decision (issue 17 item 10).

The tests share one seeded database (``seeded``: seed_demo runs once for the module and
commits, as in `make demo`, so the on-commit work that carries the dibao cases on to their
decisions runs as it goes; the database is flushed after the module); each test runs in a
transaction of its own rolled back after it, so what one test changes is gone before the
next, in any order."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS
from django.test import override_settings
from django.utils import timezone

from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - fixture
from workflows.appeals.models import Appeal, AppealKind, AppealStatus
from workflows.caseload import demo as caseload_demo
from workflows.caseload.models import Benefit, BenefitStatus, ChangeKind, Ground, Recheck, RecheckOutcome, RecheckReason
from workflows.caseload.months import add_months, month_of
from workflows.cooperation.models import Department, Referral
from workflows.core.audit import verify_chains
from workflows.core.models import AuditEvent, County, DibaoStandard, StaffAssignment, Township, Village
from workflows.core.models.rules import Area
from workflows.core.models.staff import Role
from workflows.documents.models import CaseDocument
from workflows.finance_check.models import FinanceCheckProcess
from workflows.finance_check.sandbox.server import SandboxServer
from workflows.funds.models import ReserveFund
from workflows.payroll.models import LineKind, PaymentRoll
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
    """seed_demo run once and committed step by step, as `make demo` runs it (inside one
    open transaction the finance checks, queued on commit, would wait to the end and the
    dibao demo would stop before its decisions, leaving no benefit to show); the database
    is flushed after the module, as after a transactional test."""
    try:
        with django_db_blocker.unblock(), demo_sandbox():
            call_command("seed_demo")
        yield
    finally:
        with django_db_blocker.unblock():
            call_command("flush", verbosity=0, interactive=False, database=DEFAULT_DB_ALIAS)


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


# --- the caseload after the decision (issue 17 item 10) ---------------------------------------
def _login(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _months():
    today = timezone.localdate()
    return today, add_months(month_of(today), -1)


def test_demo_rechecks_due_this_week_and_overdue_on_the_case_workers_list(seeded, db, client):
    """MSL 31: the township case worker's /caseload/rechecks/ lists two scheduled re-checks due
    within the week, one overdue (marked 已逾期) and one opened today by a reported income
    change; another township's case worker sees none of them."""
    today, _ = _months()
    due = {r.benefit.household.head.name: r for r in Recheck.objects.filter(outcome=RecheckOutcome.OPEN)}
    for name in (caseload_demo.DUE_SOON, caseload_demo.DUE_SOON_2):
        assert today <= due[name].due_on <= today + datetime.timedelta(days=6), name
        assert due[name].reason == RecheckReason.SCHEDULED and due[name].opened_on == today  # beat opened it
    assert due[caseload_demo.OVERDUE].due_on < today
    assert (due[caseload_demo.INCOME_CHANGE].reason, due[caseload_demo.INCOME_CHANGE].due_on) == (
        RecheckReason.INCOME_CHANGE, today,
    )  # fmt: skip
    page = _login(client, "qingshan_worker").get("/caseload/rechecks/").content.decode()
    listed = [caseload_demo.DUE_SOON, caseload_demo.DUE_SOON_2, caseload_demo.OVERDUE, caseload_demo.INCOME_CHANGE]
    assert all(name in page for name in listed)
    overdue_row = page[page.index(caseload_demo.OVERDUE) :].split("</tr>")[0]
    assert "已逾期" in overdue_row and f"{due[caseload_demo.OVERDUE].due_on:%Y-%m-%d}" in overdue_row
    assert "已逾期" not in page[page.index(caseload_demo.DUE_SOON) :].split("</tr>")[0]
    other = _login(client, "hekou_worker").get("/caseload/rechecks/").content.decode()
    assert not any(name in other for name in listed)


def test_demo_phase_out_and_reduction_with_their_history(seeded, db, client):
    """N22 1(3): the phase-out decided last month runs from this month, still paid; MSL 32: the
    approved household's benefit was reduced with a lawful ground, written reasons and a change
    letter, shown in its history on the household page to the township approver (not to
    another township's)."""
    today, last_month = _months()
    township = Township.objects.get(code="990101001")
    phasing = caseload_demo.demo_benefit(township, caseload_demo.PHASE_OUT)
    change = phasing.changes.get(kind=ChangeKind.PHASE_OUT)
    assert phasing.status == BenefitStatus.PHASING_OUT and change.ground == Ground.EMPLOYMENT
    assert (month_of(change.decided_on), change.effective_month) == (last_month, month_of(today))
    assert phasing.phase_out_until == add_months(month_of(today), caseload_demo.PHASE_OUT_MONTHS - 1)
    assert phasing.amount_in(today) == phasing.monthly_amount > 0
    assert caseload_demo.PHASE_OUT in _login(client, "qingshan_approver").get("/caseload/rechecks/").content.decode()
    html = client.get(f"/caseload/household/{phasing.household_id}/").content.decode()
    assert str(BenefitStatus.PHASING_OUT.label) in html and caseload_demo.PHASE_OUT_REASONS in html
    reduced = caseload_demo.approved_benefit(township)
    reduction = reduced.changes.get(kind=ChangeKind.REDUCE)
    assert reduction.ground == Ground.INCOME_INCREASED and reduction.reasons == caseload_demo.REDUCE_REASONS
    assert Decimal("0") < reduction.new_amount < reduction.old_amount
    assert reduction.letter.kind == CaseDocument.Kind.BENEFIT_CHANGE
    page = _login(client, "qingshan_approver").get(f"/caseload/household/{reduced.household_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "减发" in html and str(Ground.INCOME_INCREASED.label) in html and caseload_demo.REDUCE_REASONS in html
    assert _login(client, "hekou_approver").get(f"/caseload/household/{reduced.household_id}/").status_code == 404


def test_demo_frozen_roll_last_month_and_a_returned_payment(seeded, db, client):
    """Last month's roll of 青山镇 was generated by the section chief and frozen by the township
    head; it pays every household brought in, one payment came back and its corrected account
    is recorded. The head sees it on the payroll page, another township's head does not; a
    case worker generates this month's roll, which reissues the returned payment."""
    today, last_month = _months()
    township = Township.objects.get(code="990101001")
    roll = PaymentRoll.objects.get(township=township, month=last_month)
    assert roll.is_frozen and roll.generated_by.username == "qingshan_approver"
    assert roll.frozen_by.username == "qingshan_head"
    migrated = Benefit.objects.filter(township=township, changes__ground=Ground.MIGRATED)
    assert roll.line_count == migrated.count() == len(caseload_demo.HOUSEHOLDS)
    assert roll.total_amount == sum(b.amount_in(last_month) for b in migrated) > 0
    returned = roll.lines.get(returned_at__isnull=False)
    assert returned.payee_name == caseload_demo.RETURNED and returned.reissue_ready
    page = _login(client, "qingshan_head").get("/payroll/").content.decode()
    assert f"/payroll/{roll.pk}/" in page and f"{last_month:%Y-%m}" in page and "已冻结" in page
    assert _login(client, "qingshan_head").get(f"/payroll/{roll.pk}/").status_code == 200
    assert f"/payroll/{roll.pk}/" not in _login(client, "hekou_head").get("/payroll/").content.decode()
    assert client.get(f"/payroll/{roll.pk}/").status_code == 404
    worker = _login(client, "qingshan_worker")
    response = worker.post("/payroll/generate/", {"township": township.pk, "month": f"{today:%Y-%m}"})
    current = PaymentRoll.objects.get(township=township, month=month_of(today))
    assert response.status_code == 302 and not current.is_frozen
    assert current.lines.get(kind=LineKind.REISSUE).reissue_of == returned


def test_demo_appeal_pending_with_its_deadline_and_a_referral(seeded, db, client):
    """SAI 65: the reconsideration against the reduction's change letter is pending, its deadline
    60 days after delivery, listed on /appeals/ for the township's case worker (not another
    township's); SAI 60: the same case is referred to medical assistance, answer due later."""
    today, _ = _months()
    township = Township.objects.get(code="990101001")
    reduced = caseload_demo.approved_benefit(township)
    appeal = Appeal.objects.get(township=township)
    assert appeal.letter == reduced.changes.get(kind=ChangeKind.REDUCE).letter
    assert (appeal.kind, appeal.status) == (AppealKind.RECONSIDERATION, AppealStatus.PENDING)
    assert appeal.deadline == appeal.delivered_on + datetime.timedelta(days=60) and not appeal.filed_late
    page = _login(client, "qingshan_worker").get("/appeals/").content.decode()
    assert appeal.case_number in page and f"{appeal.deadline:%Y-%m-%d}" in page and "审理中" in page
    assert appeal.case_number not in _login(client, "hekou_worker").get("/appeals/").content.decode()
    referral = Referral.objects.get(process_id=reduced.source_case_id)
    assert referral.department == Department.MEDICAL and referral.status == Referral.Status.OPEN
    assert referral.due_on > referral.referred_on == today


def test_demo_audit_chain_verifies(seeded, db):
    """Everything was made through the services: each step left its audit event, and every
    chain, the back-dated steps' included, verifies."""
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "caseload.benefit_migrated", "caseload.benefit_change", "caseload.recheck_brought_forward",
        "payroll.generate", "payroll.freeze", "payroll.line_returned", "payroll.reissue_ready",
        "appeals.recorded", "cooperation.referral_create",
    } <= actions  # fmt: skip
    report = verify_chains()
    assert report.ok and report.events == AuditEvent.objects.count()

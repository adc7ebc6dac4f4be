"""Fixtures and drivers for the dibao / 特困 flow tests.

Every step is driven through ``workflows.core.driving`` with the same
permission checks as the UI; nothing is written to the flow tables directly.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone
from viewflow.workflow.status import STATUS

from tests.conftest import _staff
from tests.factories import make_id_number
from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - fixture
from workflows.core.driving import complete_task, open_tasks, start_case
from workflows.core.models import AuditEvent
from workflows.core.models.staff import Role
from workflows.dibao import services
from workflows.dibao.flows import DibaoFlow, TekunFlow
from workflows.dibao.models import DibaoProcess

PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture
def approver_a2(region):
    """A second township-A approver (the township head signs after the section chief)."""
    return _staff("approver_a2", Role.APPROVER, region.township_a)


@pytest.fixture
def county_officer2(region):
    """A second county officer: the county home visit needs two investigators (MSL 16, 20)."""
    return _staff("county_officer2", Role.COUNTY_OFFICER, region.county)


def upload(name="申请书.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def member(name="张三", *, relation="applicant", birth=datetime.date(1970, 3, 1), seq=101, income="0", **kw):
    return services.MemberInput(
        name=name,
        id_number=make_id_number(birth, seq=seq),
        relation=relation,
        monthly_income=Decimal(income),
        signed_check_authorisation=True,
        signed_truthfulness=relation == "applicant",
        **kw,
    )


def application(village, *, members=None, uploads=None, staff_links=(), tekun=None):
    return services.ApplicationInput(
        village=village,
        area="rural",
        address="青山村一组 8 号",
        phone="13912345678",
        bank_account="6222021234567890123",
        members=members or [member(), member("李四", relation="spouse", birth=datetime.date(1972, 5, 2), seq=202)],
        uploads=uploads if uploads is not None else [services.UploadInput(kind="application", file=upload())],
        staff_links=list(staff_links),
        tekun=tekun,
    )


def file_case(user, village, *, programme="dibao", **kw) -> DibaoProcess:
    flow = TekunFlow if programme == "tekun" else DibaoFlow
    if programme == "tekun" and "tekun" not in kw:
        kw["tekun"] = services.TekunInput(no_work_ability=True, no_income=True, no_supporter=True)
    if programme == "tekun" and "members" not in kw:
        kw["members"] = [member("王五", birth=datetime.date(1950, 1, 1), seq=303)]
    app = application(village, **kw)
    return start_case(
        flow.start,
        user=user,
        perform=lambda p: services.dibao_application_file(process=p, programme=programme, application=app, actor=user),
    )


def task_of(process, node_name):
    node = getattr(process.flow_class, node_name)
    return open_tasks(process, node).get()


def do(process, node_name, user, service, **kwargs):
    """Complete the open task of ``node_name`` as ``user`` by calling ``service``."""
    complete_task(task_of(process, node_name), user=user, perform=lambda p: service(process=p, actor=user, **kwargs))
    return DibaoProcess.objects.get(pk=process.pk)


def finished_nodes(process):
    return [t.flow_task.name for t in process.task_set.filter(status=STATUS.DONE).order_by("pk")]


def audit_actions(process):
    """The case's business events in order (task bookkeeping events left out)."""
    actions = AuditEvent.objects.filter(chain=f"case:{process.pk}").order_by("seq").values_list("action", flat=True)
    return [a for a in actions if a.startswith(("dibao.", "document."))]


@contextmanager
def clock(monkeypatch, delta: datetime.timedelta):
    """Shift ``timezone.now`` by ``delta`` (the notice period passing)."""
    real_now = timezone.now
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: real_now() + delta)
        yield


class FakeCheck(SimpleNamespace):
    pass


@pytest.fixture
def finance_check(registry_sandbox, monkeypatch):  # noqa: F811 - the imported fixture
    """The real household-finance check against the sandbox registries (made-up ID
    numbers have no registry findings, so the declared incomes decide). The check
    runs when acceptance commits; its signal advances ``await_finance_check``."""
    from workflows.finance_check import services as fc_services

    requests = []
    real_request = fc_services.finance_check_request

    def request(**kwargs):
        check = real_request(**kwargs)
        requests.append(check)
        return check

    monkeypatch.setattr(services, "_finance_check_request", request)

    def finish(process, **ignored):
        process = DibaoProcess.objects.get(pk=process.pk)
        assert not open_tasks(process, process.flow_class.await_finance_check).exists(), "check did not finish"
        return process

    return SimpleNamespace(requests=requests, finish=finish)


@pytest.fixture
def fake_finance_check(monkeypatch, django_capture_on_commit_callbacks):
    """A stand-in check (fast): requests are recorded; ``finish(process, ...)`` delivers
    a result through the real receiver -> Celery job -> Handle path."""
    from workflows.dibao.receivers import on_finance_check_finished

    requests = []

    def request(*, household, purpose, case_ref, actor, single_person_member=None):
        check = FakeCheck(pk=1000 + len(requests), case_ref=case_ref, purpose=purpose, household=household)
        requests.append(check)
        return check

    monkeypatch.setattr(services, "_finance_check_request", request)
    # The stand-in starts at once, as the real check does when its queries run on commit (MSL 17).
    monkeypatch.setattr(services, "_finance_check_started_on", lambda process: process.check_requested_on)

    def finish(process, *, outcome="eligible", per_capita_income="100.00", size=None):
        # the latest check of the case (a re-check after an objection is a new one, MSL 18)
        check = next(c for c in reversed(requests) if c.case_ref == f"dibao:{process.pk}")
        size = size or process.household.size
        check.outcome = outcome
        check.result = {
            "per_capita_income": per_capita_income, "standard": "400.00", "household_size": size,
            "gap_per_capita": str(max(Decimal("400") - Decimal(per_capita_income), 0)),
            "monthly_amount": "0.00", "reasons": [{"code": "income_below_standard", "message": "收入低于标准",
                                                    "numbers": {}}],
        }  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            on_finance_check_finished(sender=None, check=check)
        return DibaoProcess.objects.get(pk=process.pk)

    return SimpleNamespace(requests=requests, finish=finish)


# --- drivers for the common stretches ------------------------------------------------
def accept(process, user, **kw):
    """Acceptance; the finance check it requests runs when the acceptance commits."""
    kw.setdefault("missing", [])
    kw.setdefault("delegated", True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return do(process, "accept", user, services.dibao_accept, **kw)


def home_visit(process, user, inv1, inv2, **kw):
    return do(
        process, "home_visit", user, services.home_visit_record, investigator_1=inv1, investigator_2=inv2,
        visited_on=datetime.date.today(), findings="家中无劳动力，收入微薄。", family_signatories="张三", **kw,
    )  # fmt: skip


def propose(process, user, approve=True):
    """The opinion; a notice it posts is rendered when the opinion commits (issue 19)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return do(
            process, "propose", user, services.dibao_propose, approve=approve, note="符合条件" if approve else "不符合"
        )


def pass_notice(process, monkeypatch):
    """Let the 7-day notice run out and fire the timer."""
    from viewflow.workflow.timers import fire_due_timers

    with clock(monkeypatch, datetime.timedelta(days=7, minutes=1)):
        assert fire_due_timers() >= 1
    return DibaoProcess.objects.get(pk=process.pk)


def sign_all(process, handler, chief, head, *, approve=True, reasons=()):
    process = do(process, "sign_handler", handler, services.decision_sign, role="handler", opinion="同意")
    process = do(process, "sign_section_chief", chief, services.decision_sign, role="section_chief", opinion="同意")
    # the decision letter is rendered when the decision commits (issue 19)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return do(process, "sign_township_head", head, services.dibao_decide, approve=approve, reasons=list(reasons))

"""The check as a flow, over real HTTP against the sandbox registries (eager Celery)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from viewflow.workflow.status import STATUS

from workflows.core.driving import complete_task, open_tasks
from workflows.core.models import AuditEvent
from workflows.finance_check import services
from workflows.finance_check.flows import FinanceCheckFlow
from workflows.finance_check.models import FinanceCheckProcess, RegistryEvidence
from workflows.finance_check.selectors import latest_check_for
from workflows.finance_check.signals import finance_check_finished
from workflows.finance_check.sources import ALL_SOURCES, Source


@pytest.fixture
def finished_signals():
    received = []

    def receiver(sender, check, **kwargs):
        received.append((check.pk, check.outcome, check.result))

    finance_check_finished.connect(receiver)
    yield received
    finance_check_finished.disconnect(receiver)


def request_check(household, actor, capture, case_ref="dibao:1", purpose="dibao"):
    with capture(execute=True):
        check = services.finance_check_request(household=household, purpose=purpose, case_ref=case_ref, actor=actor)
    return FinanceCheckProcess.objects.get(pk=check.pk)


def test_full_check_queries_every_source_and_finishes_eligible(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks, finished_signals
):
    """All 11 MSL 17 sources are queried over HTTP; every query leaves immutable evidence
    with a SHA-256 of the raw body; the check ends eligible and announces it."""
    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    assert check.status == STATUS.DONE
    assert check.outcome == "eligible"
    assert registry_sandbox.stats()["requests"] == len(ALL_SOURCES)
    evidence = list(RegistryEvidence.objects.filter(check_process=check))
    assert sorted(e.source for e in evidence) == sorted(ALL_SOURCES)
    for e in evidence:
        assert e.status == "ok" and e.attempts == 1 and len(e.raw_sha256) == 64
        assert e.requested_at <= e.responded_at
    assert check.result["per_capita_income"] == "250.00"
    assert check.result["gap_per_capita"] == "150.00"
    assert finished_signals == [(check.pk, "eligible", check.result)]
    assert latest_check_for("dibao:1") == check
    actions = list(AuditEvent.objects.filter(chain=f"case:{check.pk}").values_list("action", flat=True))
    assert actions[0] == "finance_check.requested" and "finance_check.evaluated" in actions
    assert actions.count("finance_check.evidence") == len(ALL_SOURCES)


def test_acceptance_vehicle_registry_returns_a_car_not_eligible(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    """SAI 10 acceptance: the same household with a car in the vehicle registry is not eligible,
    and the reason names the vehicle and the configured rule."""
    owner = household_250.members.order_by("pk").first()
    registry_sandbox.add_records(
        {
            owner.id_number: {
                "vehicles": [
                    {
                        "owner_id_number": owner.id_number,
                        "plate": "示A·88888",
                        "brand_model": "大众 朗逸",
                        "vehicle_type": "小型轿车",
                        "registered_on": "2022-03-01",
                        "estimated_value": "58000.00",
                    }
                ]
            }
        }
    )
    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    assert check.outcome == "not_eligible"
    reason = next(r for r in check.result["reasons"] if r["code"] == "vehicle_not_allowed")
    assert "示A·88888 大众 朗逸" in reason["message"]
    assert "示范县家庭财产限额（2025-01-01 起执行）" in reason["message"]
    assert check.result["monthly_amount"] == "0.00"


def test_transient_failure_is_retried_and_succeeds(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    """A 5xx is retried with backoff; the evidence counts the attempts."""
    registry_sandbox.set_mode(Source.TAX, "http500", times=1)
    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    tax = RegistryEvidence.objects.get(check_process=check, source=Source.TAX)
    assert tax.status == "ok" and tax.attempts == 2
    assert check.status == STATUS.DONE


@pytest.mark.parametrize("mode", ["timeout", "http500"])
def test_source_failing_every_retry_is_unavailable_and_opens_manual_task(
    mode, registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks, finished_signals
):
    """Acceptance: one source failing every retry -> the check does not wait silently: the source
    is marked unavailable (attempts = 1 + FINANCE_CHECK_MAX_RETRIES) and the township case worker
    gets the obtain_documents task; the check is not finished yet."""
    registry_sandbox.set_mode(Source.VEHICLES, mode)
    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    vehicles = RegistryEvidence.objects.get(check_process=check, source=Source.VEHICLES)
    assert vehicles.status == "unavailable"
    assert vehicles.attempts == 3
    assert vehicles.error
    assert registry_sandbox.stats()["by_source"][Source.VEHICLES] == 3
    assert RegistryEvidence.objects.filter(check_process=check, status="ok").count() == len(ALL_SOURCES) - 1
    task = open_tasks(check, FinanceCheckFlow.obtain_documents).get()
    assert task.status == STATUS.NEW
    assert check.status != STATUS.DONE and check.outcome == ""
    assert services.unavailable_sources(check) == [Source.VEHICLES]
    assert finished_signals == []


def test_malformed_body_is_not_retried_and_keeps_the_raw_hash(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    registry_sandbox.set_mode(Source.BANK_DEPOSITS, "malformed")
    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    ev = RegistryEvidence.objects.get(check_process=check, source=Source.BANK_DEPOSITS)
    assert ev.status == "unavailable" and ev.attempts == 1
    assert ev.error.startswith("MalformedResponse")
    import hashlib

    assert ev.raw_sha256 == hashlib.sha256(ev.raw_response.encode()).hexdigest()


def failing_check(registry_sandbox, household, actor, capture, source=Source.VEHICLES):
    registry_sandbox.set_mode(source, "http500")
    return request_check(household, actor, capture)


def enter_documents(check, user, **data):
    def perform(process):
        services.evidence_record_manual(check=process, source=Source.VEHICLES, actor=user, **data)

    return complete_task(open_tasks(check, FinanceCheckFlow.obtain_documents).get(), user=user, perform=perform)


def test_completing_manual_task_finishes_check_and_fires_signal(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks, finished_signals
):
    """The case worker enters the vehicle figures from a document; the means test runs with
    them (manual evidence, the failed query's row untouched) and the check ends."""
    check = failing_check(registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks)
    enter_documents(check, case_worker_a, amount=Decimal("0"), count=0, note="县车管所无车辆登记证明 2026-11-20")
    check = FinanceCheckProcess.objects.get(pk=check.pk)
    assert check.status == STATUS.DONE
    assert check.outcome == "eligible"
    rows = RegistryEvidence.objects.filter(check_process=check, source=Source.VEHICLES).order_by("pk")
    assert [r.status for r in rows] == ["unavailable", "manual"]
    assert rows[1].entered_by == case_worker_a
    assert any(r["code"] == "manual_evidence" for r in check.result["reasons"])
    assert finished_signals == [(check.pk, "eligible", check.result)]


def test_manual_document_showing_a_car_makes_household_not_eligible(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    check = failing_check(registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks)
    enter_documents(check, case_worker_a, amount=Decimal("45000"), count=1, note="车管所证明：名下小型轿车 1 辆")
    check = FinanceCheckProcess.objects.get(pk=check.pk)
    assert check.outcome == "not_eligible"
    assert any(r["code"] == "vehicle_not_allowed" for r in check.result["reasons"])


def test_manual_entry_needs_a_note_and_leaves_nothing_half_written(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    check = failing_check(registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as exc:
        enter_documents(check, case_worker_a, amount=Decimal("0"), count=0, note="  ")
    assert str(services.ERR_NOTE_REQUIRED) in exc.value.messages
    assert not RegistryEvidence.objects.filter(check_process=check, status="manual").exists()
    assert open_tasks(check, FinanceCheckFlow.obtain_documents).get().status != STATUS.DONE


def test_manual_entry_for_a_source_that_answered_is_refused(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    check = failing_check(registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.evidence_record_manual(
            check=check, source=Source.TAX, note="x", amount=Decimal("1"), actor=case_worker_a
        )


def test_manual_task_wrong_township_and_wrong_role_are_refused(
    registry_sandbox, household_250, case_worker_a, case_worker_b, approver_a, django_capture_on_commit_callbacks
):
    """Only a case worker of the household's township may enter the documents (wrong township:
    worker of B; wrong role: A's approver)."""
    check = failing_check(registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks)
    for user in (case_worker_b, approver_a):
        with pytest.raises(PermissionDenied):
            enter_documents(check, user, amount=Decimal("0"), count=0, note="x")
    assert not RegistryEvidence.objects.filter(check_process=check, status="manual").exists()


def test_redelivered_jobs_write_no_second_evidence_row(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    """acks_late redelivery: running the fan-out job and a source task again after the check
    finished queries nothing and writes nothing."""
    from workflows.finance_check.tasks import query_source, run_queries

    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    before = registry_sandbox.stats()["requests"]
    handle = check.task_set.get(flow_task=FinanceCheckFlow.run_queries)
    assert run_queries.apply(args=(handle.pk,)).get() == "skipped"
    assert query_source.apply(args=(check.pk, Source.TAX)).get() == "done"
    assert registry_sandbox.stats()["requests"] == before
    assert RegistryEvidence.objects.filter(check_process=check).count() == len(ALL_SOURCES)


def test_duplicate_query_result_is_rejected_by_the_database(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    """Second line of defence: a racing duplicate insert for the same source returns None."""
    from workflows.finance_check.adapters import get_adapter

    check = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    outcome = get_adapter(Source.TAX).query(services.member_id_numbers(check), request_id="dup")
    assert services.evidence_record_query(check=check, source=Source.TAX, result=outcome, attempts=1) is None
    assert RegistryEvidence.objects.filter(check_process=check, source=Source.TAX).count() == 1


def test_evidence_is_immutable_and_a_rerun_is_a_new_check(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    first = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    ev = RegistryEvidence.objects.filter(check_process=first).first()
    ev.error = "edited"
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        ev.delete()
    second = request_check(household_250, case_worker_a, django_capture_on_commit_callbacks)
    assert second.pk != first.pk
    assert RegistryEvidence.objects.filter(check_process=first).count() == len(ALL_SOURCES)
    assert RegistryEvidence.objects.filter(check_process=second).count() == len(ALL_SOURCES)
    assert latest_check_for("dibao:1") == second


def test_check_is_scoped_to_the_household_township_and_records_rule_versions(
    registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks
):
    check = request_check(
        household_250, case_worker_a, django_capture_on_commit_callbacks, purpose="tekun", case_ref="tekun:7"
    )
    assert check.township_id == household_250.township_id
    assert check.case_number.startswith("HD-990101001-")
    assert check.standard.area == "rural" and check.asset_limit.county_id == household_250.county_id
    assert check.sources == list(ALL_SOURCES)
    assert AuditEvent.objects.filter(chain="case:7", action="finance_check.requested").exists()


def test_unknown_purpose_is_refused(household_250, case_worker_a):
    with pytest.raises(ValidationError):
        services.finance_check_request(household=household_250, purpose="pension", case_ref="x:1", actor=case_worker_a)

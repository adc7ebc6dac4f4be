"""Consent on evidence (issue 15 item 8; MSL 9): each registry query's evidence records the
authorisations it ran under; a withdrawn authorisation stops new queries and says so on the case."""

from __future__ import annotations

import datetime

from django.utils import timezone
from viewflow.workflow.status import STATUS

from tests import factories
from tests.finance_check.conftest import make_household
from workflows.core.models import AuditEvent
from workflows.finance_check import services, tasks
from workflows.finance_check.models import FinanceCheckProcess, RegistryEvidence
from workflows.finance_check.sources import ALL_SOURCES
from workflows.households.models import Consent


def _request(household, actor, case_ref="dibao:77"):
    return services.finance_check_request(household=household, purpose="dibao", case_ref=case_ref, actor=actor)


def _adult_consents(household):
    return list(
        Consent.objects.filter(member__household=household, kind=Consent.Kind.CHECK_AUTHORISATION).order_by("member_id")
    )


def test_every_query_records_the_authorisations_it_ran_under(
    region, registry_sandbox, case_worker_a, django_capture_on_commit_callbacks
):
    """MSL 9: each evidence row names, per adult member, the authorisation in force when the query
    ran (consent, member, signing date, scope); the evidence audit event lists the consents.
    A minor signs nothing and is not listed."""
    household = make_household(region)  # two adults and a child
    with django_capture_on_commit_callbacks(execute=True):
        check = _request(household, case_worker_a)
    consents = _adult_consents(household)
    expected = [
        {"consent": c.pk, "member": c.member_id, "signed_on": "2026-01-05", "scope": "check_authorisation"}
        for c in consents
    ]
    rows = list(RegistryEvidence.objects.filter(check_process_id=check.pk))
    assert len(rows) == len(ALL_SOURCES) and len(consents) == 2
    for row in rows:
        assert [{k: a[k] for k in ("consent", "member", "signed_on", "scope")} for a in row.authorisations] == expected
        assert all(a["recorded_at"] for a in row.authorisations)
    events = AuditEvent.objects.filter(chain=f"case:{check.pk}", action="finance_check.evidence")
    assert {tuple(e.data["consents"]) for e in events} == {tuple(c.pk for c in consents)}


def test_a_withdrawn_authorisation_stops_new_queries_and_says_so_on_the_case(
    region, registry_sandbox, case_worker_a, django_capture_on_commit_callbacks
):
    """MSL 9: an authorisation withdrawn after the request and before the queries: no registry is
    contacted, no evidence is written, the check is halted with the member named, and the halt is
    in the requesting case's history, once however often the job is re-queued. Re-signing resumes
    the check; the new evidence names the new authorisation."""
    household = make_household(region)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        check = _request(household, case_worker_a)
    withdrawn = _adult_consents(household)[1]
    Consent.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    for callback in callbacks:
        callback()  # the queued run_queries job
    check = FinanceCheckProcess.objects.get(pk=check.pk)
    assert registry_sandbox.stats()["requests"] == 0
    assert not RegistryEvidence.objects.filter(check_process_id=check.pk).exists()
    assert check.halted_at is not None and check.halted_members == [withdrawn.member_id]
    run_task = check.task_set.get(flow_task=check.flow_class.run_queries)
    assert run_task.status == STATUS.NEW
    assert services.queries_fan_out(run_task.pk) == "halted"  # requeued: still halted, not re-audited
    halted = AuditEvent.objects.filter(action=services.HALTED_ACTION)
    assert sorted(halted.values_list("chain", flat=True)) == [f"case:{check.pk}", "case:77"]
    assert halted.get(chain="case:77").data["members_missing_consent"] == [withdrawn.member_id]

    renewed = factories.ConsentFactory(member=withdrawn.member, signed_on=datetime.date(2026, 2, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queries_fan_out(run_task.pk) == "done"
    check = FinanceCheckProcess.objects.get(pk=check.pk)
    assert check.halted_at is None and check.status == STATUS.DONE
    assert registry_sandbox.stats()["requests"] == len(ALL_SOURCES)
    row = RegistryEvidence.objects.filter(check_process_id=check.pk).first()
    assert renewed.pk in [a["consent"] for a in row.authorisations]
    assert withdrawn.pk not in [a["consent"] for a in row.authorisations]
    assert AuditEvent.objects.filter(chain="case:77", action=services.RESUMED_ACTION).count() == 1


def test_the_per_source_worker_task_also_refuses_without_authorisation(
    region, registry_sandbox, case_worker_a, django_capture_on_commit_callbacks
):
    """MSL 9 on the broker path: a source task that finds an authorisation withdrawn makes no
    query and records nothing."""
    household = make_household(region)
    with django_capture_on_commit_callbacks(execute=False):
        check = _request(household, case_worker_a)
    Consent.objects.filter(member__household=household).update(withdrawn_at=timezone.now())
    assert tasks.query_source.apply(args=(check.pk, ALL_SOURCES[0])).get() == "halted"
    assert registry_sandbox.stats()["requests"] == 0
    assert not RegistryEvidence.objects.filter(check_process_id=check.pk).exists()
    assert FinanceCheckProcess.objects.get(pk=check.pk).halted_at is not None


def test_the_dibao_case_page_says_the_check_stopped(
    region, registry_sandbox, case_worker_a, django_capture_on_commit_callbacks
):
    """MSL 9: the case summary staff see on the dibao task pages names the member whose
    authorisation was withdrawn and that the check stopped."""
    from django.template.loader import render_to_string

    from tests.dibao.conftest import file_case
    from workflows.dibao import selectors

    process = file_case(case_worker_a, region.village_a)
    household = process.household
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _request(household, case_worker_a, case_ref=f"dibao:{process.pk}")
    member = household.adults()[0]
    Consent.objects.filter(member=member).update(withdrawn_at=timezone.now())
    for callback in callbacks:
        callback()
    summary = selectors.case_summary(process)
    assert summary["check_halted"]["members"] == [member.name]
    html = render_to_string("dibao/_check_halted.html", {"case": summary})
    assert "核对已停止" in html and member.name in html

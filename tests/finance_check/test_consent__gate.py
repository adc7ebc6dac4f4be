"""MSL 9: no check without every adult member's authorisation (核对授权书)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests import factories
from tests.finance_check.conftest import make_household
from workflows.core.models import AuditEvent
from workflows.finance_check import services
from workflows.finance_check.models import FinanceCheckProcess, RegistryEvidence
from workflows.households.models import Consent


def request(household, actor, capture, case_ref="dibao:55"):
    with capture(execute=True):
        return services.finance_check_request(household=household, purpose="dibao", case_ref=case_ref, actor=actor)


def test_refused_without_consent_no_request_made_and_attempt_audited(
    region, registry_sandbox, case_worker_a, django_capture_on_commit_callbacks
):
    """An adult without a signed authorisation: refused with an error naming the member, nothing
    started, zero HTTP requests to the registries, and the refused attempt is in the audit log."""
    household = make_household(region, consent=False)
    factories.ConsentFactory(member=household.members.order_by("pk").first(), kind=Consent.Kind.CHECK_AUTHORISATION)
    with pytest.raises(services.ConsentMissing) as exc:
        request(household, case_worker_a, django_capture_on_commit_callbacks)
    message = exc.value.messages[0]
    assert "成员2" in message and "成员1" not in message and "第九条" in message
    assert exc.value.code == "no_consent"
    assert registry_sandbox.stats()["requests"] == 0
    assert FinanceCheckProcess.objects.count() == 0
    assert RegistryEvidence.objects.count() == 0
    refused = AuditEvent.objects.get(action=services.REFUSED_ACTION)
    assert refused.actor == case_worker_a
    assert refused.chain == "case:55"  # in the requesting case's history
    assert refused.data["case_ref"] == "dibao:55"
    assert refused.data["members_missing_consent"] == [household.members.order_by("pk")[1].pk]


def test_withdrawn_consent_counts_as_missing(
    region, registry_sandbox, case_worker_a, django_capture_on_commit_callbacks
):
    household = make_household(region)
    Consent.objects.filter(member__household=household).update(withdrawn_at=timezone.now())
    with pytest.raises(services.ConsentMissing):
        request(household, case_worker_a, django_capture_on_commit_callbacks)
    assert registry_sandbox.stats()["requests"] == 0


def test_other_consent_kinds_do_not_authorise_a_check(
    region, registry_sandbox, case_worker_a, django_capture_on_commit_callbacks
):
    household = make_household(region, consent=False, sizes=(40,))
    factories.ConsentFactory(member=household.members.get(), kind=Consent.Kind.TRUTHFULNESS)
    with pytest.raises(services.ConsentMissing):
        request(household, case_worker_a, django_capture_on_commit_callbacks)
    assert registry_sandbox.stats()["requests"] == 0


def test_minors_need_no_consent(region, registry_sandbox, case_worker_a, django_capture_on_commit_callbacks):
    """Only adults sign; a household whose adults all signed is checked."""
    household = make_household(region, sizes=(40, 10))
    check = request(household, case_worker_a, django_capture_on_commit_callbacks)
    assert FinanceCheckProcess.objects.get(pk=check.pk).status == "DONE"
    assert registry_sandbox.stats()["requests"] == 11


def test_refusal_audit_survives_when_called_outside_an_atomic_block(region, case_worker_a):
    """The refusal row is committed in its own transaction, not rolled back with the refusal."""
    household = make_household(region, consent=False)
    with pytest.raises(services.ConsentMissing):
        services.finance_check_request(household=household, purpose="dibao", case_ref="dibao:9", actor=case_worker_a)
    assert AuditEvent.objects.filter(action=services.REFUSED_ACTION, chain="case:9").count() == 1
    assert services.members_without_check_consent(household)

"""Account lockout across addresses and the audited unlock (ASVS 2.2.1)."""

import pytest
from django.conf import settings

from workflows.core.lockout import account_failures, account_unlock
from workflows.core.models import AuditEvent

LOGIN_URL = "/accounts/login/"
ADMIN_USERS = "/admin/auth/user/"


WRONG = "wrong-password"  # a deliberately wrong guess


def _guess(client, username, address, password=WRONG):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def _right_password(client, user, address="10.9.9.9"):
    return _guess(client, user.username, address, password=settings.DEMO_PASSWORD)


def _spread_guesses(client, user, *, guesses=80, addresses=20):
    for i in range(guesses):
        _guess(client, user.username, f"10.0.{i % addresses}.1")


def test_guesses_spread_over_many_addresses_lock_the_account(case_worker_a, client):
    """80 wrong guesses on one account from 20 addresses (4 each, below the per-address
    limit) lock the account: the right password, from yet another address, is refused."""
    assert settings.AXES_FAILURE_LIMIT > 80 // 20
    _spread_guesses(client, case_worker_a)
    response = _right_password(client, case_worker_a)
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_account_locks_at_the_limit_not_before(case_worker_a, client):
    """One failure fewer than the limit, each from its own address, still lets the right password in."""
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        _guess(client, case_worker_a.username, f"10.1.{i}.1")
    assert _right_password(client, case_worker_a).status_code == 302


def test_lock_on_one_account_leaves_colleagues_alone(case_worker_a, approver_a, client):
    """A colleague signing in from one of the attacking addresses is not locked."""
    _spread_guesses(client, case_worker_a)
    assert _guess(client, approver_a.username, "10.0.3.1", password=settings.DEMO_PASSWORD).status_code == 302


def test_lock_is_audited_once(case_worker_a, client):
    """The failure that locks the account writes one audit event; further refused guesses do not."""
    _spread_guesses(client, case_worker_a)
    events = AuditEvent.objects.filter(action="staff.lock", target_id=str(case_worker_a.pk))
    assert events.count() == 1
    assert events.get().changes["failed_logins"][1] == settings.AXES_FAILURE_LIMIT


def test_admin_unlocks_the_account_and_the_unlock_is_audited(case_worker_a, admin_user, client):
    """After the administrator's unlock action the right password works again, and the
    unlock is an audit event naming the administrator and the cleared failures."""
    _spread_guesses(client, case_worker_a)
    assert _right_password(client, case_worker_a).status_code in (403, 429)
    cleared = account_failures(username=case_worker_a.username)
    assert cleared >= settings.AXES_FAILURE_LIMIT

    admin = type(client)()
    admin.force_login(admin_user)
    response = admin.post(
        ADMIN_USERS, {"action": "unlock_sign_in", "_selected_action": [case_worker_a.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "已解除登录锁定" in response.content.decode()

    event = AuditEvent.objects.get(action="staff.unlock", target_id=str(case_worker_a.pk))
    assert event.actor_id == admin_user.pk
    assert event.changes == {"failed_logins": [cleared, 0]}
    assert account_failures(username=case_worker_a.username) == 0
    assert _right_password(client, case_worker_a).status_code == 302


def test_unlocking_an_account_without_failures_audits_nothing(case_worker_a, admin_user):
    """Nothing to clear, nothing audited."""
    assert account_unlock(user=case_worker_a, actor=admin_user) == 0
    assert not AuditEvent.objects.filter(action="staff.unlock").exists()


def test_non_administrator_cannot_unlock(case_worker_a, approver_a, client):
    """Staff without the admin site cannot run the unlock action: the account stays locked."""
    _spread_guesses(client, case_worker_a)
    other = type(client)()
    other.force_login(approver_a)
    response = other.post(ADMIN_USERS, {"action": "unlock_sign_in", "_selected_action": [case_worker_a.pk]})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action="staff.unlock").exists()
    assert account_failures(username=case_worker_a.username) >= settings.AXES_FAILURE_LIMIT


@pytest.mark.django_db
def test_failure_records_cannot_be_deleted_in_the_admin(admin_user, client):
    """Deleting axes' failure records would be an unaudited unlock: the admin offers no delete."""
    from axes.models import AccessAttempt
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    model_admin = django_admin.site.get_model_admin(AccessAttempt)
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    assert not model_admin.has_delete_permission(request)

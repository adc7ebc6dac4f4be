"""Login protection: lockout, session expiry, every staff page behind login (domain.md §1)."""

import pytest
from django.conf import settings
from django.urls import reverse

from workflows.core import permission_matrix as pm

LOGIN_URL = "/accounts/login/"


def _fail(client, username):
    return client.post(LOGIN_URL, {"username": username, "password": "wrong-password"})


def test_account_locked_after_repeated_failures(case_worker_a, client):
    """After AXES_FAILURE_LIMIT failed logins the account is locked: even the right password is refused."""
    assert settings.AXES_FAILURE_LIMIT >= 3
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _fail(client, case_worker_a.username)
    assert response.status_code in (403, 429)
    response = client.post(LOGIN_URL, {"username": case_worker_a.username, "password": settings.DEMO_PASSWORD})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_correct_password_logs_in_below_the_limit(case_worker_a, client):
    """Positive counterpart: fewer failures than the limit, then the right password, logs in."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _fail(client, case_worker_a.username)
    response = client.post(LOGIN_URL, {"username": case_worker_a.username, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(case_worker_a.pk)


def test_lockout_is_per_account(case_worker_a, approver_a, client):
    """Locking one account does not lock a colleague logging in from the same address."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, case_worker_a.username)
    response = client.post(LOGIN_URL, {"username": approver_a.username, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302


def test_sessions_expire():
    """Sessions end after a working day at most and when the browser closes."""
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 60 * 60


def test_session_cookie_age_applies(case_worker_a, client):
    """A real login gets a session that expires within SESSION_COOKIE_AGE."""
    client.post(LOGIN_URL, {"username": case_worker_a.username, "password": settings.DEMO_PASSWORD})
    assert client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE
    assert client.session.get_expire_at_browser_close()


def _static_paths(prefixes):
    """Every URL under ``prefixes`` whose route needs no arguments, plus the case URLs with placeholder ids."""
    import re

    for entry in pm.url_entries():
        path = "/" + re.sub(r"<(?:\w+:)?\w+>", "1", entry.route)
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "core", path).lstrip("^").rstrip("$")
        path = "/" + path.lstrip("/")
        if path.startswith(prefixes):
            yield entry, path


@pytest.mark.django_db
def test_anonymous_never_reaches_a_staff_or_admin_page(client):
    """Every /staff/ and /admin/ URL sends an anonymous visitor to a login page (the applicant
    side never exposes staff pages); only the admin login page itself answers."""
    checked = 0
    for entry, path in _static_paths(("/staff/", "/admin/")):
        response = client.get(path)
        checked += 1
        if entry.name == "admin:login":
            assert response.status_code == 200
            continue
        assert response.status_code == 302, path
        assert response["Location"].startswith(("/accounts/login/", "/admin/login/")), path
    assert checked > 50


@pytest.mark.django_db
def test_staff_user_without_admin_role_cannot_use_admin(case_worker_a, client_for):
    """Case staff are not Django-admin users: the admin sends them to its login page."""
    response = client_for(case_worker_a).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

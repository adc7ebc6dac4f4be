"""Staff idle timeout (ASVS 3.3.2) and the absolute session limit (ASVS 3.3.1)."""

import pytest
from django.conf import settings

from workflows.core import security

LOGIN_URL = "/accounts/login/"
INBOX = "/workspace/inbox/"


class Clock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.value = start

    def __call__(self) -> float:
        return self.value

    def move(self, seconds: float) -> None:
        self.value += seconds


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(security, "now", c)
    return c


def _sign_in(client, user):
    response = client.post(LOGIN_URL, {"username": user.username, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    return response


def test_idle_timeout_defaults_to_thirty_minutes():
    """The idle limit is 30 minutes and shorter than the absolute limit."""
    assert settings.STAFF_IDLE_TIMEOUT == 30 * 60
    assert settings.STAFF_IDLE_TIMEOUT < settings.SESSION_COOKIE_AGE


def test_staff_idle_past_the_limit_is_signed_out(case_worker_a, client, clock):
    """31 minutes without a request: the next request signs the user out and sends them to
    the login page with a message saying why, and the page they wanted as ``next``."""
    _sign_in(client, case_worker_a)
    assert client.get(INBOX).status_code == 200
    clock.move(31 * 60)
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert "next=/workspace/inbox/" in response["Location"]
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "分钟没有操作" in page.content.decode()


def test_activity_keeps_the_session_alive(case_worker_a, client, clock):
    """Requests every 20 minutes for two hours keep the user signed in."""
    _sign_in(client, case_worker_a)
    for _ in range(6):
        clock.move(20 * 60)
        assert client.get(INBOX).status_code == 200
    assert client.session["_auth_user_id"] == str(case_worker_a.pk)


def test_just_under_the_limit_stays_signed_in(case_worker_a, client, clock):
    """29 minutes idle is within the limit."""
    _sign_in(client, case_worker_a)
    clock.move(29 * 60)
    assert client.get(INBOX).status_code == 200


def test_absolute_limit_holds_despite_activity(case_worker_a, client, clock):
    """Even a busy user is signed out once SESSION_COOKIE_AGE has passed since sign-in."""
    _sign_in(client, case_worker_a)
    step = 20 * 60
    elapsed = 0
    while elapsed + step <= settings.SESSION_COOKIE_AGE:
        clock.move(step)
        elapsed += step
        assert client.get(INBOX).status_code == 200
    clock.move(step)
    response = client.get(INBOX)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert "小时" in client.get(response["Location"]).content.decode()


def test_signing_in_again_restarts_the_clocks(case_worker_a, client, clock):
    """A fresh sign-in after a timeout starts a new session with fresh clocks."""
    _sign_in(client, case_worker_a)
    clock.move(31 * 60)
    client.get(INBOX)
    _sign_in(client, case_worker_a)
    assert client.get(INBOX).status_code == 200


def test_htmx_request_gets_a_full_page_redirect(case_worker_a, client, clock):
    """An htmx fragment request after the idle limit tells htmx to load the login page."""
    _sign_in(client, case_worker_a)
    clock.move(31 * 60)
    response = client.get(INBOX, headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(LOGIN_URL)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_portal_session_is_not_subject_to_the_staff_timeout(client, clock):
    """The applicant portal is used without signing in: an idle hour changes nothing."""
    assert client.get("/portal/apply/").status_code == 200
    clock.move(60 * 60)
    assert client.get("/portal/apply/").status_code == 200
    assert security.LAST_SEEN_KEY not in client.session

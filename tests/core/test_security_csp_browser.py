"""The Content-Security-Policy in a real browser (ASVS 14.4.3): staff, login, portal and
admin pages load with no policy violation, and their scripts still run."""

import pytest
from django.conf import settings

from tests.e2e.conftest import new_page  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True)]


def _watch_violations(page) -> list[str]:
    """Every CSP violation the page reports: the console message and the DOM event."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def _sign_in(page, username, password, login_path="/accounts/login/"):
    page.goto(page.base_url + login_path)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.wait_for_load_state("networkidle")


def test_staff_pages_load_without_policy_violations(new_page, case_worker_a):  # noqa: F811
    """Login page and inbox: no violation, and Bootstrap's and htmx's scripts have run."""
    page = new_page()
    violations = _watch_violations(page)
    _sign_in(page, case_worker_a.username, settings.DEMO_PASSWORD)
    assert "/workspace/inbox/" in page.url
    assert page.evaluate("typeof bootstrap") == "object"
    assert page.evaluate("typeof htmx") == "object"
    assert violations == []


def test_portal_pages_load_without_policy_violations(new_page):  # noqa: F811
    """The portal's start, status and application pages show no violation."""
    page = new_page()
    violations = _watch_violations(page)
    for path in ("/portal/", "/portal/status/", "/portal/apply/"):
        page.goto(page.base_url + path)
        page.wait_for_load_state("networkidle")
    assert violations == []


def test_admin_works_under_the_policy(new_page, admin_user):  # noqa: F811
    """The Django admin signs in and opens a change form with its scripts running and no violation."""
    page = new_page()
    violations = _watch_violations(page)
    _sign_in(page, admin_user.username, "password", login_path="/admin/login/")
    page.goto(f"{page.base_url}/admin/auth/user/{admin_user.pk}/change/")
    page.wait_for_load_state("networkidle")
    assert f"/admin/auth/user/{admin_user.pk}/change/" in page.url
    assert page.evaluate("typeof django") == "object"
    assert violations == []


def test_the_watch_sees_a_violation(new_page, live_server):  # noqa: F811
    """The watch above can fail: an inline script injected into a served page is reported."""
    page = new_page()
    violations = _watch_violations(page)
    page.goto(page.base_url + "/accounts/login/")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }")
    page.wait_for_timeout(200)
    assert violations

"""Security headers on every response: Permissions-Policy (ASVS 14.4) and the
Content-Security-Policy (ASVS 14.4.3, 5.3.3)."""

import pytest

STAFF_PAGE = "/workspace/inbox/"
LOGIN_PAGE = "/accounts/login/"
PORTAL_PAGE = "/portal/"
ADMIN_PAGE = "/admin/"

SWITCHED_OFF = ("camera", "microphone", "geolocation", "payment", "usb")


def _features(response) -> dict[str, str]:
    header = response.headers["Permissions-Policy"]
    return dict(item.strip().split("=", 1) for item in header.split(","))


@pytest.fixture
def staff_client(client, case_worker_a):
    client.force_login(case_worker_a)
    return client


def test_staff_page_switches_off_browser_features(staff_client):
    """A staff page forbids camera, microphone, geolocation, payment and USB for every origin."""
    response = staff_client.get(STAFF_PAGE)
    assert response.status_code == 200
    features = _features(response)
    for feature in SWITCHED_OFF:
        assert features[feature] == "()", feature


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LOGIN_PAGE, PORTAL_PAGE, "/portal/no-such-page/", "/portal/api/v1/status/"])
def test_public_responses_carry_the_permissions_policy(client, path):
    """The login page, the portal, a 404 and an API answer all carry the same policy."""
    response = client.get(path)
    for feature in SWITCHED_OFF:
        assert _features(response)[feature] == "()", (path, feature)


@pytest.mark.django_db
def test_redirects_carry_the_permissions_policy(client):
    """Even the anonymous redirect to the login page has the header."""
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert _features(response)["camera"] == "()"


# --- Content-Security-Policy -------------------------------------------------------------

import re  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# WeasyPrint renders these to PDF on the server; no browser ever loads them as HTML.
PDF_TEMPLATES = TEMPLATES / "pdf"


def _directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def _assert_strict_policy(response):
    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


class _InlineCode(HTMLParser):
    """Collects what a strict policy refuses: inline scripts, on*= handlers, javascript:
    URLs, <style> blocks and style= attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"{name}= handler")
            if name == "style":
                self.found.append("style= attribute")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: in {name}")


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


def test_staff_page_has_a_strict_policy_and_no_inline_code(staff_client):
    """A staff page is served with default-src 'self', scripts only from files, and holds no inline code."""
    response = staff_client.get(STAFF_PAGE)
    _assert_strict_policy(response)
    assert _inline_code(response.content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LOGIN_PAGE, PORTAL_PAGE, "/portal/status/", "/portal/apply/", "/verify/unknown/"])
def test_login_and_portal_pages_have_a_strict_policy_and_no_inline_code(client, path):
    """The login page, portal pages and the public verification page carry the policy and no inline code."""
    response = client.get(path)
    assert response.status_code in (200, 404), path
    _assert_strict_policy(response)
    assert _inline_code(response.content.decode()) == [], path


def test_admin_renders_under_the_policy(admin_user, client):
    """The Django admin's index and a change form carry the policy and need no inline script
    (its data blocks are JSON, which the policy does not run)."""
    client.force_login(admin_user)
    for path in (ADMIN_PAGE, "/admin/auth/user/", f"/admin/auth/user/{admin_user.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_strict_policy(response)
        found = _inline_code(response.content.decode())
        assert found == [], (path, found)


def test_detector_finds_inline_code():
    """The check above can fail: it sees each kind of inline code."""
    html = (
        '<script>alert(1)</script><a href="javascript:x()">a</a><button onclick="x()">b</button>'
        '<style>p{}</style><p style="color:red">c</p><script src="/static/x.js"></script>'
        '<script type="application/json">{}</script>'
    )
    assert sorted(_inline_code(html)) == sorted(
        ["<script> without src", "javascript: in href", "onclick= handler", "<style>", "style= attribute"]
    )


def _template_sources():
    for path in sorted(TEMPLATES.rglob("*.html")):
        yield path, path.read_text(encoding="utf-8")


def test_no_template_contains_inline_script_or_handlers():
    """No template in templates/ has an inline <script>, an on*= handler or a javascript: URL."""
    offenders = []
    for path, source in _template_sources():
        for match in re.finditer(r"<script\b([^>]*)>", source, re.I):
            if "src=" not in match.group(1) and "application/json" not in match.group(1):
                offenders.append(f"{path.relative_to(TEMPLATES)}: inline <script>")
        if re.search(r"""\son[a-z]+\s*=\s*["']""", source, re.I):
            offenders.append(f"{path.relative_to(TEMPLATES)}: on*= handler")
        if re.search(r"javascript:", source, re.I):
            offenders.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert offenders == []


def test_only_pdf_templates_carry_inline_styles():
    """Inline styles (style-src has no 'unsafe-inline') appear only in the PDF templates,
    which WeasyPrint renders on the server."""
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path, source in _template_sources()
        if not path.is_relative_to(PDF_TEMPLATES) and re.search(r"<style\b|\sstyle\s*=", source, re.I)
    ]
    assert offenders == []

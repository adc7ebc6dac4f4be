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

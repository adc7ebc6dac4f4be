"""Second factor for staff (issue 18 item 4, ASVS 2.7/2.8, docs/security.md V2).

Under ``STAFF_OTP_REQUIRED`` (production) approvers, county roles and administrators sign
in with password and a TOTP code; without an authenticator they are sent to enrolment and
reach nothing else. Case workers and village assistants may enrol voluntarily.
"""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from workflows.core import otp
from workflows.core.lockout import account_failures
from workflows.core.models import AuditEvent, Role
from workflows.core.permissions import assignment_grant

LOGIN = "/accounts/login/"
INBOX = "/workspace/inbox/"
VERIFY = "/accounts/second-factor/"
ENROL = "/accounts/second-factor/enrol/"
CODES = "/accounts/second-factor/recovery-codes/"


@pytest.fixture
def required(settings):
    settings.STAFF_OTP_REQUIRED = True
    return settings


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """What the authenticator app shows (RFC 6238), ``steps_ahead`` 30-second steps later:
    a code once accepted is never accepted again, so a second sign-in uses the next one."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def password_login(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """``user`` with a confirmed authenticator and recovery codes (through the service)."""
    device = otp.totp_enrolment_device(user=user)
    codes = otp.totp_enrolment_confirm(user=user, token=code_for(device))
    assert codes
    device.refresh_from_db()
    return device, codes


def events(action, user):
    return AuditEvent.objects.filter(action=action, target_id=str(user.pk))


@pytest.mark.parametrize("role_fixture", ["approver_a", "county_officer", "county_reviewer", "auditor"])
def test_required_role_without_device_reaches_only_enrolment(required, client, request, role_fixture):
    """Approvers and county roles under the production setting: the password alone opens
    nothing but the enrolment page (every staff page redirects there, logout still works)."""
    user = request.getfixturevalue(role_fixture)
    password_login(client, user)
    for path in (INBOX, "/workspace/queue/", "/dibao/cases/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(ENROL), path
    assert client.get(VERIFY).status_code == 302  # nothing to verify: enrol first
    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    assert re.search(r'id="otp-secret">[A-Z2-7 ]{32,}<', html)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_htmx_request_of_an_unverified_session_is_redirected_as_a_whole_page(required, client, approver_a):
    """A fragment request (htmx) gets HX-Redirect to enrolment, not the page swapped into a cell."""
    password_login(client, approver_a)
    response = client.get(INBOX, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == ENROL


def test_administrator_role_and_superuser_are_required(required, region, admin_user, django_user_model):
    """Administrators (the role, or a Django staff/superuser account) must enrol too."""
    admin_role = django_user_model.objects.create_user("sysadmin", password=settings.DEMO_PASSWORD)
    assignment_grant(user=admin_role, role=Role.ADMINISTRATOR, region=None, actor=None)
    assert otp.second_factor_required(admin_role)
    assert otp.second_factor_required(admin_user)


def test_enrolment_confirms_with_one_code_and_shows_recovery_codes_once(required, client, approver_a):
    """Forced enrolment: one code from the app confirms it, ten recovery codes are shown
    once, the enrolment is audited, and the workspace opens."""
    password_login(client, approver_a)
    client.get(ENROL)
    pending = TOTPDevice.objects.get(user=approver_a, confirmed=False)
    assert client.get(ENROL).status_code == 200
    assert TOTPDevice.objects.filter(user=approver_a).count() == 1  # a reload keeps the same secret
    wrong = client.post(ENROL, {"token": "000000" if code_for(pending) != "000000" else "111111"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert client.get(INBOX).status_code == 302

    response = client.post(ENROL, {"token": code_for(pending), "next": INBOX})
    assert response.status_code == 302 and response["Location"].startswith(CODES)
    shown = client.get(response["Location"])
    codes = re.findall(r'<li class="list-group-item font-monospace fs-5">([a-z2-7]+)</li>', shown.content.decode())
    assert len(codes) == otp.RECOVERY_CODE_COUNT == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=approver_a).values_list("token", flat=True))
    assert client.get(CODES).status_code == 302  # once only
    assert client.get(INBOX).status_code == 200
    event = events("staff.otp_enrol", approver_a).get()
    assert event.actor == approver_a and event.changes == {"second_factor": [False, True]}
    assert events("staff.otp_failure", approver_a).get().data["stage"] == "enrol"


def test_enrolled_approver_passes_only_with_the_right_code(required, client, approver_a):
    """With an authenticator: password, then the code step; the right code opens the workspace."""
    device, _codes = enrolled(approver_a)
    response = password_login(client, approver_a)
    follow = client.get(response["Location"], follow=False)
    assert client.get(INBOX)["Location"].startswith(VERIFY)
    assert client.get(ENROL)["Location"].startswith(VERIFY)  # no second device with the password alone
    assert follow.status_code == 302
    page = client.get(VERIFY)
    assert page.status_code == 200 and "两步验证" in page.content.decode()
    response = client.post(VERIFY, {"token": code_for(device, steps_ahead=1), "next": INBOX})
    assert response.status_code == 302 and response["Location"] == INBOX
    assert client.get(INBOX).status_code == 200


def test_wrong_code_fails_is_audited_and_counts_as_a_failed_login(required, client, approver_a):
    """A wrong code leaves the workspace closed, is an audit event, and counts for the lockout."""
    device, _codes = enrolled(approver_a)
    password_login(client, approver_a)
    right = code_for(device, steps_ahead=1)
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    response = client.post(VERIFY, {"token": wrong})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get(INBOX).status_code == 302
    event = events("staff.otp_failure", approver_a).get()
    assert event.actor == approver_a and event.data == {"stage": "sign_in", "device": "totp"}
    assert account_failures(username=approver_a.username) == 1


def test_failed_codes_add_up_across_password_logins_and_lock_the_account(required, client, approver_a):
    """Knowing the password does not buy fresh code guesses: failures add up over new
    password logins, and at AXES_FAILURE_LIMIT the session ends and the account is locked
    (the lock audited), so even the right password is refused."""
    enrolled(approver_a)
    password_login(client, approver_a)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(VERIFY, {"token": "12345x"})
    client.post("/accounts/logout/")
    password_login(client, approver_a)  # below the limit: the password still works
    assert account_failures(username=approver_a.username) == settings.AXES_FAILURE_LIMIT - 1
    response = client.post(VERIFY, {"token": "12345x"})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    refused = client.post(LOGIN, {"username": approver_a.username, "password": settings.DEMO_PASSWORD})
    assert refused.status_code in (403, 429)
    assert events("staff.lock", approver_a).count() == 1
    assert events("staff.otp_failure", approver_a).count() == settings.AXES_FAILURE_LIMIT


def test_recovery_code_works_once(required, client, approver_a):
    """A recovery code replaces the app's code once (audited); the same code again fails."""
    required.OTP_STATIC_THROTTLE_FACTOR = 0  # the next code at once, not after django-otp's back-off
    _device, codes = enrolled(approver_a)
    password_login(client, approver_a)
    assert client.post(VERIFY, {"token": codes[0].upper()})["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.get(INBOX).status_code == 200
    event = events("staff.otp_recovery_used", approver_a).get()
    assert event.changes == {"recovery_codes": [10, 9]}
    client.post("/accounts/logout/")
    password_login(client, approver_a)
    assert client.post(VERIFY, {"token": codes[0]}).status_code == 200
    assert client.get(INBOX).status_code == 302
    assert client.post(VERIFY, {"token": codes[1]}).status_code == 302


@pytest.mark.parametrize("role_fixture", ["case_worker_a", "village_assistant_a"])
def test_case_worker_is_not_forced_but_may_enrol(required, client, request, role_fixture):
    """Case workers and village assistants sign in with the password alone; once they
    enrol voluntarily, the code is asked at every sign-in."""
    user = request.getfixturevalue(role_fixture)
    password_login(client, user)
    assert client.get(INBOX).status_code == 200
    page = client.get(ENROL)
    assert page.status_code == 200 and "自愿" in page.content.decode()
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(ENROL, {"token": code_for(pending)}).status_code == 302
    client.post("/accounts/logout/")
    password_login(client, user)
    assert client.get(INBOX)["Location"].startswith(VERIFY)


def test_demo_setting_leaves_approvers_with_the_password_alone(client, approver_a):
    """Off (demo, local, tests by default): the demo logins work without a second factor."""
    assert settings.STAFF_OTP_REQUIRED is False
    password_login(client, approver_a)
    assert client.get(INBOX).status_code == 200


def test_admin_reset_is_audited_and_sends_the_user_back_to_enrolment(required, client, approver_a, admin_user):
    """An administrator resets a lost authenticator from the user list: devices gone,
    audited with who did it, and the user's running session must enrol again."""
    device, _codes = enrolled(approver_a)
    # The administrator's own sign-in is complete (an enrolled, verified session).
    admin_user.set_password(settings.DEMO_PASSWORD)
    admin_user.save()
    admin_device, _ = enrolled(admin_user)
    admin_client = client.__class__()
    password_login(admin_client, admin_user)
    admin_client.post(VERIFY, {"token": code_for(admin_device, steps_ahead=1)})
    # The approver is signed in and verified.
    password_login(client, approver_a)
    client.post(VERIFY, {"token": code_for(device, steps_ahead=1)})
    assert client.get(INBOX).status_code == 200

    response = admin_client.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [approver_a.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=approver_a).exists()
    assert not StaticDevice.objects.filter(user=approver_a).exists()
    event = events("staff.otp_reset", approver_a).get()
    assert event.actor == admin_user and event.changes == {"second_factor": [True, False]}
    assert client.get(INBOX)["Location"].startswith(VERIFY)
    assert client.get(VERIFY)["Location"] == ENROL


def test_nobody_enrols_or_resets_another_users_device(client, approver_a, approver_b, case_worker_a):
    """Negative: the enrolment acts on the signed-in user only (a posted user id is
    ignored, another user's pending secret confirms nothing), and a non-administrator
    cannot run the reset action."""
    theirs = otp.totp_enrolment_device(user=approver_b)
    client.force_login(approver_a)
    client.get(ENROL)
    client.post(ENROL, {"token": code_for(theirs), "user": approver_b.pk})
    theirs.refresh_from_db()
    assert theirs.confirmed is False
    assert not events("staff.otp_enrol", approver_b).exists()

    device, _codes = enrolled(approver_b)
    client.force_login(case_worker_a)
    response = client.post("/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [approver_b.pk]})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not events("staff.otp_reset", approver_b).exists()


def test_device_models_are_not_editable_in_the_admin(admin_user, client):
    """Secrets and devices stay out of the admin: a device disappears only through the audited reset."""
    client.force_login(admin_user)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_production_requires_the_second_factor_by_default():
    """Production settings turn the requirement on unless STAFF_OTP_REQUIRED says otherwise."""
    from tests.core.test_settings import GOOD_KEY, run_manage

    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.STAFF_OTP_REQUIRED)",
        env_extra={"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "dibao.example.org"},
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr


def test_break_glass_command_resets_and_is_audited(approver_a):
    """The operator's command (docs/operations.md) removes the devices and writes the audit
    event, without an actor; an unknown user is an error, not a silent success."""
    from django.core.management import CommandError, call_command

    enrolled(approver_a)
    call_command("staff_second_factor_reset", approver_a.username)
    assert not otp.has_second_factor(approver_a)
    event = events("staff.otp_reset", approver_a).get()
    assert event.actor is None
    with pytest.raises(CommandError):
        call_command("staff_second_factor_reset", "nobody-of-that-name")

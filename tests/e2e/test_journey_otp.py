"""Issue 18 item 4 in a browser: an approver under the production setting signs in with the
password, is sent to the forced enrolment, "scans" the code (the test computes the TOTP
from the secret shown on the page, as the phone app would), confirms, sees the recovery
codes, signs out, and signs in again with a code. Every page: no viewflow element, no
serious/critical axe-core violation (tests/e2e/helpers.py)."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.conf import settings
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.helpers import Visit, log_out
from workflows.core.models import AuditEvent

pytestmark = pytest.mark.browser


def app_code(secret_text: str) -> str:
    """What an authenticator app shows now for the base32 secret typed in by hand (RFC 6238)."""
    key = base64.b32decode(secret_text.replace(" ", ""))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time()
    return f"{totp.token():06d}"


def code_the_device_accepts_next(secret_text: str, user) -> str:
    """The code the app shows once the device will take one: the current step as the device
    counts it (django-otp moves its ``drift`` by a step when the enrolment code arrived in the
    next 30 s window), or the step after the last one used (a code is accepted once). A fixed
    "one step ahead" failed whenever the enrolment crossed a window: the device then expected
    the current step or the one before, never the next."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    now_step = (int(time.time()) - device.t0) // device.step + device.drift
    step = max(now_step, device.last_t + 1)
    return f"{hotp(base64.b32decode(secret_text.replace(' ', '')), step, digits=device.digits):06d}"


def sign_in_with_password(page, user) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_approver_enrols_then_signs_in_with_a_code(new_page, settings, approver_a):
    settings.STAFF_OTP_REQUIRED = True
    page = new_page()
    visit = Visit(page, sizes=("desktop", "phone"))

    sign_in_with_password(page, approver_a)
    page.wait_for_url("**/accounts/second-factor/enrol/**")
    visit("otp01-enrol")
    qr = page.get_by_role("img", name="身份验证器绑定二维码")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the CSP let it load
    secret = page.locator("#otp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7 ]{32,}", secret)
    # The workspace is out of reach until the enrolment is done.
    page.goto(f"{page.base_url}/workspace/inbox/")
    page.wait_for_url("**/accounts/second-factor/enrol/**")

    page.get_by_label("验证码").fill(app_code(secret))
    page.get_by_role("button", name="确认绑定").click()
    page.wait_for_url("**/accounts/second-factor/recovery-codes/**")
    visit("otp02-recovery-codes")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_url("**/workspace/inbox/")
    visit("otp03-inbox")
    log_out(page)

    sign_in_with_password(page, approver_a)
    page.wait_for_url("**/accounts/second-factor/**")
    visit("otp04-code-step")
    page.get_by_label("验证码").fill(code_the_device_accepts_next(secret, approver_a))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url("**/workspace/inbox/")
    assert page.get_by_role("navigation").get_by_role("link", name=re.compile("^我的待办")).is_visible()
    visit.assert_clean()
    assert AuditEvent.objects.filter(action="staff.otp_enrol", target_id=str(approver_a.pk)).count() == 1

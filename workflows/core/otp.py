"""Second factor for staff (ASVS 2.7/2.8, docs/security.md V2): TOTP through django-otp,
with single-use recovery codes (django-otp's static device).

Who must have one: approvers, county officers, county reviewers, auditors and
administrators (a role assignment, or a Django staff/superuser account) when
``STAFF_OTP_REQUIRED`` is on (production). Anyone else may enrol voluntarily; whoever has
a confirmed device is asked for a code at every sign-in, whatever the setting.

The sign-in is two steps: the password (Django's login, unchanged), then
``StaffSecondFactorMiddleware`` lets an unverified session reach only the code step, the
enrolment page, the language switch and logout. What a session still owes is decided
once at sign-in and kept in the session (``STATE_KEY``), so a signed-in user pays no
query per request for it.

Failed codes are audited and count as failed logins for django-axes: the failures of an
account add up over password and code, and the account locks at ``AXES_FAILURE_LIMIT``.
A password success therefore does not clear the count for someone who still owes a code
(``AXES_RESET_ON_SUCCESS`` is off and ``decide_second_factor`` clears it only
when the sign-in is complete). On top of that, django-otp's own exponential back-off on
each device survives new password logins.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import Role, StaffAssignment
from .types import Actor, Staff

#: Roles that must sign in with a second factor when ``STAFF_OTP_REQUIRED`` is on (issue 18).
REQUIRED_ROLES = frozenset({Role.APPROVER, Role.COUNTY_OFFICER, Role.COUNTY_REVIEWER, Role.AUDITOR, Role.ADMINISTRATOR})
RECOVERY_CODE_COUNT = 10

STATE_KEY = "_staff_second_factor"
STATE_NONE = "none"  # nothing owed: no device, none required
STATE_VERIFY = "verify"  # has a confirmed device: a code at every sign-in
STATE_ENROL = "enrol"  # required but no device yet: enrolment before anything else
FRESH_CODES_KEY = "_staff_recovery_codes"

#: Views a session that still owes its second factor may open, by what it owes (URL names
#: as ``request.resolver_match.view_name``). Someone with a device and only the password
#: never reaches the enrolment page: it must not offer them a device of their own.
_ALWAYS_OPEN = frozenset({"logout", "set_language", "second_factor:verify"})
OPEN_BEFORE_SECOND_FACTOR = {
    STATE_VERIFY: _ALWAYS_OPEN,
    STATE_ENROL: _ALWAYS_OPEN | {"second_factor:enrol", "second_factor:recovery_codes"},
}


# -- reads -------------------------------------------------------------------------------


def second_factor_required(user: Staff) -> bool:
    """Whether ``user``'s role obliges a second factor under the current setting."""
    if not settings.STAFF_OTP_REQUIRED or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return StaffAssignment.objects.active().filter(user=user, role__in=REQUIRED_ROLES).exists()


def totp_device(user: Staff) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any (at most one: enrolment refuses a second)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def has_second_factor(user: Staff) -> bool:
    return next(devices_for_user(user, confirmed=True), None) is not None


def second_factor_state(user: Staff) -> str:
    if has_second_factor(user):
        return STATE_VERIFY
    return STATE_ENROL if second_factor_required(user) else STATE_NONE


def recovery_codes_left(user: Staff) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def format_secret(device: TOTPDevice) -> str:
    """The secret in base32 as authenticator apps ask for it, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def config_url(device: TOTPDevice) -> str:
    """The otpauth:// address the QR code holds; the account label is the login name
    (what the authenticator app lists), the issuer the system's name."""
    issuer = str(settings.OTP_TOTP_ISSUER).replace(":", "")
    label = quote(f"{issuer}:{device.user.get_username()}")
    secret = b32encode(device.bin_key).decode()
    return (
        f"otpauth://totp/{label}?secret={secret}&algorithm=SHA1&digits={device.digits}"
        f"&period={device.step}&issuer={quote(issuer)}"
    )


def qr_data_uri(device: TOTPDevice) -> str:
    """The enrolment QR code as an SVG ``data:`` URI: an <img> the CSP allows
    (``img-src 'self' data:``), no inline SVG styles or scripts."""
    return segno.make(config_url(device), error="m").svg_data_uri(scale=5, border=2)


# -- services ----------------------------------------------------------------------------


@transaction.atomic
def totp_enrolment_device(*, user: Staff) -> TOTPDevice:
    """The unconfirmed authenticator ``user`` is enrolling (made on first call, the same
    secret on reload). Refuses when a confirmed one exists: a second device would let
    whoever holds only the password add a factor of their own."""
    if totp_device(user) is not None:
        raise PermissionError("already enrolled")
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(_("身份验证器")), confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(*, user: Staff, token: str, request: HttpRequest | None = None) -> list[str] | None:
    """Confirm ``user``'s pending authenticator with one code from it.

    On success: the device is confirmed, ``RECOVERY_CODE_COUNT`` fresh recovery codes
    replace any old ones, the enrolment is audited, the session (``request``) counts as
    verified, and the codes are returned — the only time they are readable. On a wrong
    code: audited as a failed code, returns None. A failed enrolment code does not count
    toward the lockout: the user is choosing their own secret, not guessing one.
    """
    device = totp_enrolment_device(user=user)
    # No back-off while enrolling: the user is reading a secret shown to them, not guessing.
    device.throttle_reset(commit=False)
    if not device.verify_token(_clean(token)):
        audit_record(action="staff.otp_failure", target=user, actor=user, data={"stage": "enrol", "device": "totp"})
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=str(_("恢复码")), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    audit_record(
        action="staff.otp_enrol",
        target=user,
        actor=user,
        changes={"second_factor": [False, True]},
        data={"recovery_codes": RECOVERY_CODE_COUNT},
    )
    if request is not None:
        otp_login(request, device)
        request.session[STATE_KEY] = STATE_VERIFY
    return codes


def _clean(token: str) -> str:
    return "".join((token or "").split()).lower()


def _candidate_devices(user: Staff, token: str) -> list[TOTPDevice] | list[StaticDevice]:
    """Six digits are an authenticator code, anything else a recovery code: trying the
    other kind would only add a throttle step to a device the user did not mean."""
    if token.isdigit() and len(token) == 6:
        return list(TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update())
    return list(StaticDevice.objects.devices_for_user(user, confirmed=True).select_for_update())


def second_factor_verify(*, user: Staff, token: str, request: HttpRequest) -> bool:
    """The code step of a sign-in. True: the session is verified (and the account's login
    failures are cleared). False: the failure is audited and counted by django-axes; if it
    was the one that locks the account, the session is signed out (``request.axes_locked_out``
    is then set, and axes' middleware answers with its lockout response)."""
    token = _clean(token)
    with transaction.atomic():
        device = next((d for d in _candidate_devices(user, token) if d.verify_token(token)), None)
        if device is not None:
            if isinstance(device, StaticDevice):
                audit_record(
                    action="staff.otp_recovery_used",
                    target=user,
                    actor=user,
                    changes={"recovery_codes": [device.token_set.count() + 1, device.token_set.count()]},
                )
            otp_login(request, device)
    if device is not None:
        # Privilege level changed: a new session key (ASVS 3.2.1), as Django does at login.
        request.session.cycle_key()
        request.session[STATE_KEY] = STATE_VERIFY
        AxesProxyHandler.reset_attempts(username=user.get_username())
        return True
    # Outside the device transaction: the throttle step above is committed either way.
    with transaction.atomic():
        audit_record(
            action="staff.otp_failure",
            target=user,
            actor=user,
            data={"stage": "sign_in", "device": "totp" if token.isdigit() else "recovery"},
        )
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)
    return False


@transaction.atomic
def second_factor_reset(*, user: Staff, actor: Actor) -> int:
    """Remove every second-factor device of ``user`` (lost phone): audited, like
    ``staff.unlock``. The user enrols again at the next request if their role requires
    it. Returns how many devices went; a user without any is left alone, unaudited."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    if removed:
        audit_record(
            action="staff.otp_reset",
            target=user,
            actor=actor,
            changes={"second_factor": [True, False]},
            data={"devices": removed},
        )
    return removed


# -- sign-in plumbing --------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="staff-second-factor-state")
def decide_second_factor(sender: object, request: HttpRequest | None, user: Staff, **kwargs: Any) -> None:
    """At the password step: what this session still owes. A sign-in that owes nothing is
    complete, and clears the account's failure count (what AXES_RESET_ON_SUCCESS did)."""
    if request is None or not hasattr(request, "session"):
        return
    state = second_factor_state(user)
    request.session[STATE_KEY] = state
    if state != STATE_VERIFY:
        AxesProxyHandler.reset_attempts(username=user.get_username())


class StaffSecondFactorMiddleware:
    """A signed-in session that still owes a code or an enrolment reaches only those
    pages (and logout, the language switch). After OTPMiddleware and the login check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        state = request.session.get(STATE_KEY)
        if state is None:
            # A session from before this check existed (or made without a login signal).
            state = request.session[STATE_KEY] = second_factor_state(user)
        if state == STATE_NONE or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR.get(state, _ALWAYS_OPEN):
            return None
        target = reverse("second_factor:verify" if state == STATE_VERIFY else "second_factor:enrol")
        if request.method == "GET" and not request.headers.get("HX-Request"):
            target = f"{target}?next={quote(request.get_full_path())}"
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=200)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)

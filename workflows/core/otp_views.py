"""The second-factor pages of the staff sign-in (workflows/core/otp.py): the code step,
the enrolment (forced or voluntary) and the one-time display of recovery codes.

Every page acts on ``request.user`` only: no URL or form field names another user, so
nobody can enrol or confirm a device for someone else. Resetting a device is an
administrator's action in the admin (workflows/core/admin.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from . import otp
from .types import StaffRequest

app_name = "second_factor"


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    # No navigation links before the sign-in is complete: they would only bounce back here.
    return render(request, template, {"ws_nav": None, "next": _next_url(request), **context})


@never_cache
def verify(request: StaffRequest) -> HttpResponse:
    """The code step: six digits from the authenticator, or one recovery code."""
    user = request.user
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not otp.has_second_factor(user):
        # Reset by an administrator meanwhile, or never enrolled: enrol if required, else done.
        state = request.session[otp.STATE_KEY] = otp.second_factor_state(user)
        return redirect("second_factor:enrol" if state == otp.STATE_ENROL else _next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.second_factor_verify(user=user, token=form.cleaned_data["token"], request=request):
            return redirect(_next_url(request))
        if not request.user.is_authenticated:
            # The failure locked the account; axes' middleware answers with its lockout page.
            return redirect(settings.LOGIN_URL)
        form.add_error("token", _("验证码不正确或已使用。请核对手机时间，稍候再试，或使用一个恢复码。"))
    return _render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "recovery_left": otp.recovery_codes_left(user)},
    )


@never_cache
def enrol(request: StaffRequest) -> HttpResponse:
    """Enrol an authenticator: QR code and the secret as text, confirmed by one code.
    Forced for the roles in ``otp.REQUIRED_ROLES``; open to everyone else."""
    user = request.user
    device = otp.totp_device(user)
    if device is not None:
        # Already enrolled: the page says so (a second device is never offered).
        return _render(
            request,
            "registration/second_factor_enrol.html",
            {"enrolled": True, "recovery_left": otp.recovery_codes_left(user)},
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = otp.totp_enrolment_confirm(user=user, token=form.cleaned_data["token"], request=request)
        if codes is not None:
            request.session[otp.FRESH_CODES_KEY] = codes
            return redirect(f"{reverse('second_factor:recovery_codes')}?next={quote(_next_url(request))}")
        form.add_error("token", _("验证码不正确。请核对手机时间后，输入身份验证器当前显示的 6 位数字。"))
    pending = otp.totp_enrolment_device(user=user)
    return _render(
        request,
        "registration/second_factor_enrol.html",
        {
            "enrolled": False,
            "form": form,
            "qr": otp.qr_data_uri(pending),
            "secret": otp.format_secret(pending),
            "required": otp.second_factor_required(user),
        },
    )


@never_cache
def recovery_codes(request: StaffRequest) -> HttpResponse:
    """The recovery codes just made, shown once: taken out of the session on display."""
    codes = request.session.pop(otp.FRESH_CODES_KEY, None)
    if not codes:
        return redirect(_next_url(request))
    return _render(request, "registration/second_factor_codes.html", {"codes": codes})


urlpatterns = [
    path("", verify, name="verify"),
    path("enrol/", enrol, name="enrol"),
    path("recovery-codes/", recovery_codes, name="recovery_codes"),
]

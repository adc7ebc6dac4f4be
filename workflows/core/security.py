"""Session and header controls for ASVS L2 (docs/security.md V3, V14).

``StaffSessionTimeoutMiddleware`` ends a signed-in (staff) session after
``STAFF_IDLE_TIMEOUT`` seconds without a request, and after ``SESSION_COOKIE_AGE``
seconds since sign-in whatever the activity. Django alone cannot give both: its
session expiry is recomputed on every save, so once we write the last activity
into the session the cookie age would slide too — hence the sign-in time is kept
and checked here. Applicants on the portal are never signed in (their grants are
short-lived session entries, workflows/portal/grants.py), so this leaves them alone.

``PermissionsPolicyMiddleware`` switches off browser features no page uses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

LAST_SEEN_KEY = "_staff_last_seen"
SIGNED_IN_KEY = "_staff_signed_in"
# Writing the last activity on every request would save the session row on every
# request; a minute of slack is nothing against a 30-minute limit.
TOUCH_EVERY = 60


def now() -> float:
    """Wall-clock seconds; the tests move it. Not timezone.now(): the demo may shift that."""
    return time.time()


@receiver(user_logged_in, dispatch_uid="staff-session-clocks")
def start_session_clocks(sender: object, request: HttpRequest | None, user: object, **kwargs: Any) -> None:
    """Every sign-in starts both clocks afresh (Django keeps session data when the
    same user signs in again, which would otherwise carry the old sign-in time)."""
    if request is not None and hasattr(request, "session"):
        current = now()
        request.session[SIGNED_IN_KEY] = current
        request.session[LAST_SEEN_KEY] = current


class StaffSessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request)
            if expired:
                return self._sign_out(request, expired)
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> str:
        session = request.session
        current = now()
        signed_in = session.get(SIGNED_IN_KEY)
        last_seen = session.get(LAST_SEEN_KEY)
        if signed_in is None:
            # First request of this sign-in: start both clocks.
            session[SIGNED_IN_KEY] = current
            session[LAST_SEEN_KEY] = current
            return ""
        if current - signed_in > settings.SESSION_COOKIE_AGE:
            return "absolute"
        if last_seen is not None and current - last_seen > settings.STAFF_IDLE_TIMEOUT:
            return "idle"
        if last_seen is None or current - last_seen >= TOUCH_EVERY:
            session[LAST_SEEN_KEY] = current
        return ""

    def _sign_out(self, request: HttpRequest, reason: str) -> HttpResponse:
        next_path = request.get_full_path() if request.method == "GET" else ""
        logout(request)
        if reason == "idle":
            text = _("您已有 %(minutes)s 分钟没有操作，为保护申请人信息已自动退出，请重新登录。") % {
                "minutes": settings.STAFF_IDLE_TIMEOUT // 60
            }
        else:
            text = _("本次登录已超过 %(hours)s 小时，请重新登录。") % {"hours": settings.SESSION_COOKIE_AGE // 3600}
        messages.warning(request, text)
        url = resolve_url(settings.LOGIN_URL)
        if next_path:
            url = f"{url}?next={quote(next_path)}"
        if request.headers.get("HX-Request") == "true":
            # An htmx fragment request would swap the login page into a table cell;
            # tell htmx to load the login page as a whole page instead.
            response = HttpResponse(status=200)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)


# Browser features no page of the project uses, switched off for every origin, so an
# injected script or a framed page cannot ask for them (ASVS 14.4). Override in settings.
DEFAULT_PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "autoplay": "()",
    "camera": "()",
    "display-capture": "()",
    "fullscreen": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "midi": "()",
    "payment": "()",
    "publickey-credentials-get": "()",
    "screen-wake-lock": "()",
    "serial": "()",
    "usb": "()",
    "xr-spatial-tracking": "()",
}


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", None) or DEFAULT_PERMISSIONS_POLICY
        self.header = ", ".join(f"{feature}={allow}" for feature, allow in policy.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response

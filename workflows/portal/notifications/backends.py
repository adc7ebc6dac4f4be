"""Delivery backends. Choose with settings ``PORTAL_SMS_BACKEND`` and
``PORTAL_EMAIL_BACKEND`` (dotted paths); the defaults are the console SMS
backend and Django's e-mail (whose own backend is console in the demo).
``HttpSmsBackend`` talks to a real SMS gateway (``PORTAL_SMS_GATEWAY_*``).

A backend raises on failure; ``notification_send`` marks the attempt and the
Celery task retries. Phones and texts are never logged unmasked."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import sys
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("workflows.portal.notifications")

DEFAULT_SMS_BACKEND = "workflows.portal.notifications.backends.ConsoleSmsBackend"
DEFAULT_EMAIL_BACKEND = "workflows.portal.notifications.backends.EmailBackend"
MAX_ANSWER = 64 * 1024  # bytes of the gateway's answer read (for its message id)


def mask_phone(phone: str) -> str:
    """13912345678 -> 139****5678."""
    phone = (phone or "").strip()
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


def mask_email(email: str) -> str:
    name, _, domain = (email or "").partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


class SmsBackend:
    """Interface: ``send(phone=, text=) -> message id``; raise on failure."""

    def send(self, *, phone: str, text: str) -> str:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Writes the message to stdout (the demo); the phone is masked."""

    stream = None

    def send(self, *, phone: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        stream = self.stream or sys.stdout
        stream.write(f"[SMS {message_id} -> {mask_phone(phone)}] {text}\n")
        stream.flush()
        return message_id


class SmsDeliveryError(Exception):
    """The gateway did not accept the message (non-2xx, timeout, no connection).

    The message names the gateway's answer only, never the phone or the text,
    because Celery and the service log it when they retry.
    """


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not an acceptance: urllib would replay a POST as a GET without body."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpSmsBackend(SmsBackend):
    """A generic HTTP SMS gateway (the provider contracted by the county, or its relay).

    ``POST PORTAL_SMS_GATEWAY_URL`` with the JSON body
    ``{"phone": ..., "text": ..., "sign_name": ..., "client_ref": ...}`` and the headers

    - ``X-Api-Key: PORTAL_SMS_GATEWAY_KEY``
    - ``X-Timestamp: <unix seconds>``
    - ``X-Signature: hex(HMAC-SHA256(PORTAL_SMS_GATEWAY_SECRET, "<timestamp>.<body>"))``

    (the secret itself never goes on the wire). Any 2xx answer is a success; the
    message id is the answer's JSON ``message_id`` / ``id`` if it has one, else
    ``client_ref``. Anything else — another status, a redirect, a timeout, a
    refused connection — raises ``SmsDeliveryError`` so the Celery task retries.
    Log lines carry the masked phone and the text's length only.
    """

    def __init__(self, *, url: str | None = None, api_key: str | None = None, api_secret: str | None = None,
                 timeout: float | None = None, sign_name: str | None = None):  # fmt: skip
        self.url = url if url is not None else getattr(settings, "PORTAL_SMS_GATEWAY_URL", "")
        self.api_key = api_key if api_key is not None else getattr(settings, "PORTAL_SMS_GATEWAY_KEY", "")
        self.api_secret = api_secret if api_secret is not None else getattr(settings, "PORTAL_SMS_GATEWAY_SECRET", "")
        self.timeout = float(timeout if timeout is not None else getattr(settings, "PORTAL_SMS_GATEWAY_TIMEOUT", 5.0))
        self.sign_name = sign_name if sign_name is not None else getattr(settings, "PORTAL_SMS_SIGN_NAME", "社会救助")
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise ImproperlyConfigured("PORTAL_SMS_GATEWAY_URL must be an http(s) URL")
        if not self.api_key or not self.api_secret:
            raise ImproperlyConfigured("PORTAL_SMS_GATEWAY_KEY and PORTAL_SMS_GATEWAY_SECRET must be set")

    def signature(self, timestamp: str, body: bytes) -> str:
        return hmac.new(self.api_secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()

    def send(self, *, phone: str, text: str) -> str:
        client_ref = uuid.uuid4().hex
        body = json.dumps(
            {"phone": phone, "text": text, "sign_name": self.sign_name, "client_ref": client_ref}, ensure_ascii=False
        ).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "X-Api-Key": self.api_key,
            "X-Timestamp": timestamp,
            "X-Signature": self.signature(timestamp, body),
        }
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
        masked = mask_phone(phone)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read(MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, b""
            exc.close()
        except TimeoutError:
            logger.warning("sms gateway timeout ref=%s to=%s", client_ref, masked)
            raise SmsDeliveryError(f"sms gateway: no answer within {self.timeout:g}s (ref {client_ref})") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                logger.warning("sms gateway timeout ref=%s to=%s", client_ref, masked)
                raise SmsDeliveryError(f"sms gateway: no answer within {self.timeout:g}s (ref {client_ref})") from None
            logger.warning("sms gateway unreachable ref=%s to=%s", client_ref, masked)
            raise SmsDeliveryError(f"sms gateway: cannot connect (ref {client_ref})") from None
        except (http.client.HTTPException, OSError) as exc:
            logger.warning("sms gateway connection failed ref=%s to=%s", client_ref, masked)
            raise SmsDeliveryError(f"sms gateway: connection failed, {type(exc).__name__} (ref {client_ref})") from None
        if not 200 <= status < 300:
            logger.warning("sms gateway refused ref=%s to=%s status=%s", client_ref, masked, status)
            raise SmsDeliveryError(f"sms gateway: HTTP {status} (ref {client_ref})")
        message_id = _message_id(raw) or client_ref
        logger.info("sms sent via gateway id=%s ref=%s to=%s length=%s", message_id, client_ref, masked, len(text))
        return message_id


def _message_id(raw: bytes) -> str:
    """``message_id`` or ``id`` of a JSON answer, if it has one (the rest is ignored)."""
    try:
        payload = json.loads(raw or b"null")
    except ValueError:
        return ""
    if isinstance(payload, dict):
        value = payload.get("message_id") or payload.get("id")
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)[:64]
    return ""


class EmailBackend:
    """Django e-mail (``EMAIL_BACKEND`` decides the transport)."""

    def send(self, *, email: str, subject: str, text: str) -> str:
        send_mail(subject, text, None, [email], fail_silently=False)
        return uuid.uuid4().hex


def sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "PORTAL_SMS_BACKEND", DEFAULT_SMS_BACKEND))()


def email_backend() -> EmailBackend:
    return import_string(getattr(settings, "PORTAL_EMAIL_BACKEND", DEFAULT_EMAIL_BACKEND))()

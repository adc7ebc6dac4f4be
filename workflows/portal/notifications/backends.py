"""Delivery backends. Choose with settings ``PORTAL_SMS_BACKEND`` and
``PORTAL_EMAIL_BACKEND`` (dotted paths); the defaults are the console SMS
backend and Django's e-mail (whose own backend is console in the demo)."""

from __future__ import annotations

import logging
import sys
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("workflows.portal.notifications")

DEFAULT_SMS_BACKEND = "workflows.portal.notifications.backends.ConsoleSmsBackend"
DEFAULT_EMAIL_BACKEND = "workflows.portal.notifications.backends.EmailBackend"


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


class ProviderSmsBackend(SmsBackend):
    """The SMS provider's HTTP interface, stubbed: the request it would send is
    logged (signature name and template only, no phone, no text)."""

    def send(self, *, phone: str, text: str) -> str:
        request = {
            "sign_name": getattr(settings, "PORTAL_SMS_SIGN_NAME", "社会救助"),
            "phone": mask_phone(phone),
            "length": len(text),
        }
        message_id = uuid.uuid4().hex
        logger.info("sms provider stub: %s id=%s", request, message_id)
        return message_id


class EmailBackend:
    """Django e-mail (``EMAIL_BACKEND`` decides the transport)."""

    def send(self, *, email: str, subject: str, text: str) -> str:
        send_mail(subject, text, None, [email], fail_silently=False)
        return uuid.uuid4().hex


def sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "PORTAL_SMS_BACKEND", DEFAULT_SMS_BACKEND))()


def email_backend() -> EmailBackend:
    return import_string(getattr(settings, "PORTAL_EMAIL_BACKEND", DEFAULT_EMAIL_BACKEND))()

"""Per-stage texts in the applicant's language (zh-hans, en)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

SUPPORTED = ("zh-hans", "en")


def language_or_default(language: str | None) -> str:
    return language if language in SUPPORTED else settings.LANGUAGE_CODE


def template_key(stage: str, language: str) -> str:
    return f"portal/notifications/{language_or_default(language)}/{stage}.txt"


def render_message(stage: str, language: str, context: dict) -> str:
    """The message text, rendered with the language active (dates, numbers)."""
    language = language_or_default(language)
    with translation.override(language):
        return render_to_string(template_key(stage, language), context).strip()


def otp_text(code: str, language: str, minutes: int) -> str:
    return render_message("otp", language, {"code": code, "minutes": minutes})

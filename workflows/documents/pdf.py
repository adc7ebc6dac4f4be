"""Render Django templates to PDF with WeasyPrint, offline and with CJK fonts.

Every PDF template extends ``templates/pdf/base.html``, which sets an A4 page
and the font stack ``"Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif``
(Debian package ``fonts-noto-cjk``; check with ``fc-list :lang=zh``).

No network access: the URL fetcher accepts ``data:`` URIs only, and any
other reference (``http(s):``, ``file:``, a relative path) stops the rendering
with ``FatalURLFetchingError`` instead of silently producing a PDF with a hole
in it. Images (QR codes, seals) are embedded as data URIs (see ``qr_data_uri``).
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

ALLOWED_PROTOCOLS = frozenset({"data"})


def offline_url_fetcher() -> URLFetcher:
    """A fetcher that refuses everything but ``data:`` URIs, loudly."""
    return URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS, fail_on_errors=True)


def render_html_to_pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=offline_url_fetcher()).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render ``template_name`` (extending ``pdf/base.html``) with ``context`` to PDF bytes.

    Always in the default language (zh-Hans), whatever the acting user chose for the
    screens: notices, certificates and decision letters are official documents of a
    Chinese government body, and the stored PDF is evidence (its hash is kept).
    """
    with translation.override(settings.LANGUAGE_CODE):
        return render_html_to_pdf(render_to_string(template_name, context))


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    """A PNG QR code of ``text`` as a data URI (error correction M)."""
    return segno.make(text, error="m", micro=False).png_data_uri(scale=scale, border=2)

"""Render Django templates to PDF with WeasyPrint, offline and with CJK fonts.

Every PDF template extends ``templates/pdf/base.html``, which sets an A4 page
and ONE face for everything: ``"PDF Common Sans"``, a cut-down Noto Sans CJK SC
Regular holding GB2312 and common punctuation (``fonts/``, built by
``manage.py build_pdf_font``), then the full ``"Noto Sans CJK SC"`` (Debian
package ``fonts-noto-cjk``; ``fc-list :lang=zh``) for the rare characters of real
names (䶮, 𠮷). WeasyPrint subsets every embedded face on every page with
HarfBuzz, and the cost grows with the face's size and number: three full faces
gave 5 pages/s, the one small face about 4 times that (docs/performance.md).

No network access: the URL fetcher accepts ``data:`` URIs only, and any
other reference (``http(s):``, ``file:``, a relative path) stops the rendering
with ``FatalURLFetchingError`` instead of silently producing a PDF with a hole
in it. Images (QR codes, seals) are embedded as data URIs (see ``qr_data_uri``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

ALLOWED_PROTOCOLS = frozenset({"data"})
COMMON_FAMILY = "PDF Common Sans"
COMMON_FONT = Path(__file__).resolve().parent / "fonts" / "PDFCommonSans-Regular.otf"
# The full face the cut-down one is made from: fonts-noto-cjk, Simplified Chinese is index 2.
FULL_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FULL_FONT_INDEX = 2

_local = threading.local()


def offline_url_fetcher() -> URLFetcher:
    """A fetcher that refuses everything but ``data:`` URIs, loudly."""
    return URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS, fail_on_errors=True)


class _CommonFontFetcher(URLFetcher):
    """Reads the bundled font file and nothing else (documents keep ``offline_url_fetcher``)."""

    def fetch(self, url, headers=None):
        if url != COMMON_FONT.as_uri():
            raise ValueError(f"not the bundled font: {url}")
        return super().fetch(url, headers)


def font_config() -> FontConfiguration:
    """This thread's font configuration, shared by all its renders: the cut-down face is
    registered once, and fontconfig's font list and Pango's caches are not rebuilt for
    every document. One per thread: fontconfig and Pango objects are not thread-safe."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = FontConfiguration()
        if COMMON_FONT.exists():  # without it the stack falls through to the full face
            config.add_font_face(
                {"src": [("external", COMMON_FONT.as_uri())], "font_family": COMMON_FAMILY}, _CommonFontFetcher()
            )
        _local.font_config = config
    return config


def render_html_to_pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=offline_url_fetcher()).write_pdf(font_config=font_config())


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


def gb2312_characters() -> set[int]:
    """Every character of GB2312: its 6,763 hanzi and 682 symbols."""
    points = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue  # unassigned GB2312 positions
    return points


def common_characters() -> set[int]:
    """Code points asked of the cut-down face: GB2312, ASCII, Latin-1, general and CJK
    punctuation and the full-width forms (those the full face lacks are simply absent)."""
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x2070))
    points |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    return points | gb2312_characters()


def build_common_font(*, source: Path = FULL_FONT, index: int = FULL_FONT_INDEX, target: Path = COMMON_FONT) -> Path:
    """Write the cut-down face: ``source`` subset to ``common_characters()``, renamed
    ``PDF Common Sans`` so fontconfig never mistakes it for the full face (whose glyphs
    the rare name characters need)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, fontNumber=index, lazy=True)
    options = subset.Options()
    options.hinting = False  # print output; hinting only helps screens at small sizes
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=common_characters())
    subsetter.subset(font)
    names = {1: COMMON_FAMILY, 4: COMMON_FAMILY, 6: "PDFCommonSans-Regular", 16: COMMON_FAMILY}
    for record in font["name"].names:
        if record.nameID in names:
            record.string = names[record.nameID]
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)
    return target

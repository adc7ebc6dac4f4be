"""Generic PDF rendering: offline fetcher, A4 page, CJK font, and the tofu detector itself."""

import logging

import pdfplumber
import pytest
from django.template import Context, Template
from weasyprint.urls import FatalURLFetchingError

from tests.documents.glyphs import embedded_fonts, pdf_text_compact, rasterise, tofu_problems_in_cells
from workflows.documents.pdf import qr_data_uri, render_html_to_pdf, render_pdf

A4_PT = (595.28, 841.89)


def _page_size(pdf):
    import io

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        return round(page.width, 2), round(page.height, 2), len(page.images)


def _from_base(body: str) -> str:
    return Template("{% extends 'pdf/base.html' %}{% block content %}" + body + "{% endblock %}").render(Context())


@pytest.mark.parametrize(
    "html",
    [
        '<img src="http://127.0.0.1:9/logo.png">',
        '<img src="https://example.org/logo.png">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '<div style="background: url(http://127.0.0.1:9/bg.png)">x</div>',
    ],
)
def test_renderer_refuses_anything_but_data_uris(html):
    """No network or file access while rendering: an http(s)/file reference stops the render."""
    with pytest.raises(FatalURLFetchingError):
        render_html_to_pdf(f"<html><body>{html}</body></html>")


def test_data_uri_images_are_embedded():
    """Images are embedded as data URIs (here a QR code) and end up in the PDF."""
    pdf = render_html_to_pdf(f'<html><body><img src="{qr_data_uri("/verify/abc/")}"></body></html>')
    assert _page_size(pdf)[2] == 1


def _fonts(pdf):
    return [(name.split("+")[-1], emb) for name, emb in embedded_fonts(pdf)]


def test_base_template_is_a4_with_one_embedded_common_face():
    """pdf/base.html gives an A4 page; common Chinese text, a heading, a table header and
    digits are all set in ONE embedded face, the cut-down PDF Common Sans (issue 19 item 6:
    every extra face is subset again on every page)."""
    pdf = render_html_to_pdf(
        _from_base(
            "<h1>最低生活保障审核确认公示</h1><table><tr><th>申请人姓名</th></tr></table><p>王伟 1,230.00 元</p>"
        )
    )
    width, height, _ = _page_size(pdf)
    assert (width, height) == A4_PT
    assert _fonts(pdf) == [("PDF-Common-Sans", True)]
    assert "最低生活保障审核确认" in pdf_text_compact(pdf)


RARE_NAMES = "王䶮李𠮷"  # U+4DAE (Ext A) and U+20BB7 (Ext B): outside GB2312


def test_rare_name_characters_fall_back_to_the_full_face(caplog):
    """A real name with characters outside the cut-down face (䶮, 𠮷) is still printed with
    real glyphs: they come from the embedded full Noto Sans CJK SC, nothing is a .notdef box,
    and the text layer keeps them (MSL 24: the notice names the applicant)."""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf, cells = _cells_pdf(RARE_NAMES)
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    assert tofu_problems_in_cells(rasterise(pdf), cells) == []
    assert RARE_NAMES in pdf_text_compact(pdf)
    assert set(_fonts(pdf)) == {("PDF-Common-Sans", True), ("Noto-Sans-CJK-SC", True)}


def test_cut_down_face_holds_gb2312_but_not_rare_characters():
    """The bundled face covers every GB2312 character and leaves rare ones to the fallback."""
    from fontTools.ttLib import TTFont

    from workflows.documents.pdf import COMMON_FONT, gb2312_characters

    cmap = set(TTFont(COMMON_FONT).getBestCmap())
    assert len(gb2312_characters()) == 7445 and gb2312_characters() <= cmap
    assert {ord("䶮"), ord("𠮷"), ord("镕")} & cmap == set()  # 镕: common, but not in GB2312
    assert len(cmap) < 8000


def test_render_pdf_renders_a_template_by_name():
    """render_pdf(template_name, context) renders a template extending pdf/base.html."""
    pdf = render_pdf("pdf/base.html", {})
    assert pdf.startswith(b"%PDF-")
    assert _page_size(pdf)[:2] == A4_PT


def _cells_pdf(chars: str) -> tuple[bytes, list]:
    """Each character alone in a fixed 50pt cell, so pixels can be cropped without the text layer."""
    spans = "".join(
        f'<span style="position:absolute; left:{i * 60}pt; top:0; font-size:40pt; line-height:50pt">{c}</span>'
        for i, c in enumerate(chars)
    )
    html = _from_base(spans).replace("margin: 22mm 20mm 22mm 20mm;", "margin: 0;", 1)
    assert "margin: 0;" in html
    cells = [(c, (i * 60.0, 0.0, i * 60.0 + 50.0, 50.0)) for i, c in enumerate(chars)]
    return render_html_to_pdf(html), cells


def test_tofu_detector_tells_real_glyphs_from_missing_glyph_boxes(caplog):
    """The pixel check used on the notice can fail: characters no font covers (private-use
    code points) are drawn as identical .notdef boxes, which the detector reports, and
    WeasyPrint warns about them; real Chinese characters pass."""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        real_pdf, real_cells = _cells_pdf("张三丰")
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    assert tofu_problems_in_cells(rasterise(real_pdf), real_cells) == []

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        tofu_pdf, tofu_cells = _cells_pdf("\ue000\ue001\ue002")
    assert [r for r in caplog.records if ".notdef" in r.getMessage()]
    problems = tofu_problems_in_cells(rasterise(tofu_pdf), tofu_cells)
    assert problems, "missing-glyph boxes were not detected"

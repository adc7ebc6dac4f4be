"""A village's notices in one document (issue 19 item 6; MSL 19, 24), and the fonts that print
every character of a real name (rare characters fall back to the full face)."""

from __future__ import annotations

import datetime
import io
import re

import pdfplumber
import pytest

from tests.documents.glyphs import embedded_glyphs, pdf_text_compact
from workflows.dibao import services
from workflows.dibao.documents import PublicNoticeData, render_notice_pdf, render_notices_pdf
from workflows.dibao.models import NoticeRound

from .conftest import accept, do, file_case, home_visit, member
from .test_documents import notice_kwargs

NAMES = ("王䶮", "李𠮷", "张三丰")  # U+4DAE (Ext A), U+20BB7 (Ext B): outside the cut-down face


def _pages(pdf: bytes) -> list[str]:
    """Each page's text without spaces and without the footer's page counter ("1 / 3")."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        texts = [(page.extract_text() or "").replace(" ", "").replace("\n", "") for page in doc.pages]
    return [re.sub(r"\d+/\d+$", "", text) for text in texts]


def test_batch_prints_each_household_on_its_own_page_like_the_single_notice():
    """MSL 19, 24: one page per household, in order, each with only its own name and
    amount, and the same text as that household's notice printed alone (only the footer's
    page counter counts the batch's pages)."""
    notices = [
        PublicNoticeData(**notice_kwargs(case_number=f"DB-990101001-2026-00000{i}", applicant_name=name))
        for i, name in enumerate(NAMES, start=1)
    ]
    pages = _pages(render_notices_pdf(notices))
    assert len(pages) == 3
    for i, (page, name) in enumerate(zip(pages, NAMES, strict=True)):
        assert name in page and all(other not in page for other in NAMES if other != name)
        alone = _pages(render_notice_pdf(notices[i]))
        assert alone == [page]


def test_batch_refuses_notices_of_different_villages_or_other_data():
    """A batch is one village's board; anything but notice data is a TypeError."""
    with pytest.raises(ValueError):
        render_notices_pdf(
            [PublicNoticeData(**notice_kwargs()), PublicNoticeData(**notice_kwargs(village_name="绿水村"))]
        )
    with pytest.raises(TypeError):
        render_notices_pdf([])
    with pytest.raises(TypeError):
        render_notices_pdf([{"applicant_name": "张三"}])


def test_rare_name_characters_are_real_glyphs_in_the_embedded_fonts():
    """A real name with 䶮 and 𠮷 (outside GB2312) prints: the embedded full face maps both to
    glyphs with outlines (not .notdef), common characters come from the cut-down face."""
    pdf = render_notice_pdf(PublicNoticeData(**notice_kwargs(applicant_name="王䶮𠮷")))
    glyphs = embedded_glyphs(pdf, "王䶮𠮷")
    assert glyphs == {
        "王": ("PDF-Common-Sans", True),
        "䶮": ("Noto-Sans-CJK-SC", True),
        "𠮷": ("Noto-Sans-CJK-SC", True),
    }
    assert "王䶮𠮷" in pdf_text_compact(pdf)


def test_village_notices_pdf_prints_the_open_notices_of_that_village(
    region, case_worker_a, case_worker_a2, finance_check, django_capture_on_commit_callbacks
):
    """The village's board: the notices on display there now, none of another village, none
    that ended; no notice open gives no document."""
    assert services.village_notices_pdf(village=region.village_a) is None
    posted = []
    for seq, name in ((101, "王䶮"), (301, "李𠮷")):
        members = [member(name, seq=seq, income="100.00")]
        process = accept(file_case(case_worker_a, region.village_a, members=members), case_worker_a)
        process = home_visit(finance_check.finish(process), case_worker_a, case_worker_a, case_worker_a2)
        with django_capture_on_commit_callbacks(execute=True):
            posted.append(do(process, "propose", case_worker_a, services.dibao_propose, approve=True, note="符合"))
    pages = _pages(services.village_notices_pdf(village=region.village_a))
    assert len(pages) == 2 and "王䶮" in pages[0] and "李𠮷" in pages[1]
    assert services.village_notices_pdf(village=region.village_a2) is None
    NoticeRound.objects.filter(process=posted[0]).update(ends_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    pages = _pages(services.village_notices_pdf(village=region.village_a))
    assert len(pages) == 1 and "李𠮷" in pages[0]

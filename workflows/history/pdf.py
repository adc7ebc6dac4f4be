"""HTML -> PDF with WeasyPrint (CJK text needs Debian's fonts-noto-cjk)."""

from __future__ import annotations


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()

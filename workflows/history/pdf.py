"""HTML -> PDF for the case history export, through the documents renderer.

One renderer for every PDF: ``workflows.documents.pdf`` uses the offline URL
fetcher (``data:`` URIs only, anything else fails loudly), so an exported case
file never fetches a URL named in event data or a template.
"""

from __future__ import annotations

from workflows.documents.pdf import render_html_to_pdf


def html_to_pdf(html: str) -> bytes:
    return render_html_to_pdf(html)

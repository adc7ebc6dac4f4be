"""Public verification page and staff download.

``verify``: anyone holding a paper letter scans its QR code and lands here,
without logging in. The page shows only what the letter itself shows (kind,
case number, issuing township, date, SHA-256) and the masked name; an
unknown token gets a 404 page with the same look and no hint why.

``download``: staff only, and only for cases (or, for a letter without a case, the
household) in their regions; anything else is a 404, so a document's existence does not
leak. Each download is audited.
"""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET
from viewflow.workflow.models import Process

from workflows.core.flows import case_visible
from workflows.core.scope import user_scope

from .models import CaseDocument
from .selectors import document_by_token
from .services import document_record_download

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def _with_headers(response):
    for key, value in PRIVATE_HEADERS.items():
        response[key] = value
    return response


@login_not_required
@require_GET
def verify(request, token: str):
    document = document_by_token(token) if len(token) <= 64 else None
    if document is None:
        return _with_headers(render(request, "documents/verify_unknown.html", status=404))
    return _with_headers(render(request, "documents/verify.html", {"document": document}))


def _visible(user, document: CaseDocument) -> bool:
    if document.process_id is None:
        household = document.household
        return user_scope(user).covers(township_id=household.township_id, village_id=household.village_id)
    process = Process.objects.filter(pk=document.process_id).first()
    return process is not None and case_visible(user, process)


@require_GET
def download(request, pk: int):
    document = CaseDocument.objects.select_related("household").filter(pk=pk).first()
    if document is None or not _visible(request.user, document):
        raise Http404("No document matches the given query.")
    document_record_download(document=document, actor=request.user)
    content_type = mimetypes.guess_type(document.filename)[0] or "application/octet-stream"
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.filename, content_type=content_type
    )
    return _with_headers(response)

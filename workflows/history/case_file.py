"""The case file (案卷, issue 14 §6): what goes into it, and the appended documents.

One PDF in the order of a paper file: cover page; household and members; the
finance-check evidence; home-visit records; notices; the decision; the decisions of every
task; the timeline with its hashes; the chain verification; then an index of the issued
documents and uploaded materials, and those files themselves appended (PDF pages as they
are, images placed on a page of their own).

ID numbers and other personal values are masked unless the auditor asked for the full
export (``full=True``), which the view records with its reason.
"""

from __future__ import annotations

import base64
import io
import logging
import mimetypes
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _t
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from workflows.documents.models import CaseDocument
from workflows.documents.pdf import render_html_to_pdf
from workflows.households.validators import mask_id_number

from . import display, selectors

logger = logging.getLogger(__name__)

#: Uploaded images placed on a page of their own; PDFs appended page by page.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


@dataclass
class Appendix:
    """One file appended after the case file's own pages."""

    title: str
    name: str
    sha256: str
    content_type: str
    read: Any  # () -> bytes
    pages: int = 0
    note: str = ""


def _household_rows(process, *, full: bool) -> tuple[Any, list[dict[str, Any]]]:
    household = getattr(process, "household", None)
    if household is None:
        return None, []
    members = []
    for m in household.members.order_by("pk"):
        members.append(
            {
                "name": m.name,
                "relation": m.get_relation_display(),
                "id_number": m.id_number if full else mask_id_number(m.id_number),
                "flags": "、".join(
                    str(label)
                    for flag, label in (
                        (m.is_student, _t("在校生")),
                        (m.is_disabled, _t("残疾")),
                        (m.has_serious_illness, _t("重病")),
                        (m.can_work, _t("有劳动能力")),
                    )
                    if flag
                )
                or "—",
            }
        )
    return household, members


def _finance_check(process):
    """The case's latest household-finance check and its evidence rows (or ``None, []``)."""
    from workflows.finance_check.models import FinanceCheckProcess
    from workflows.finance_check.selectors import evidence_of

    pk = getattr(process, "finance_check_id", None)
    check = FinanceCheckProcess.objects.filter(pk=pk).first() if pk else None
    return check, list(evidence_of(check)) if check else []


def _related(process, name: str, order: str) -> list:
    manager = getattr(process, name, None)
    return list(manager.order_by(order)) if manager is not None else []


def case_file_context(process, *, full: bool) -> dict[str, Any]:
    """Everything the case-file template shows (reads only)."""
    events = list(selectors.case_events(process))
    household, members = _household_rows(process, full=full)
    check, evidence_rows = _finance_check(process)
    documents = list(
        CaseDocument.objects.filter(process_id=process.pk)
        .exclude(kind=CaseDocument.Kind.CASE_FILE)
        .select_related("created_by")
    )
    head = household.head if household is not None else None
    return {
        "process": process,
        "full": full,
        "applicant": head,
        "applicant_id": (head.id_number if full else mask_id_number(head.id_number)) if head else "",
        "household": household,
        "address": household.address if household is not None and full else display.MASK,
        "members": members,
        "check": check,
        "check_evidence": evidence_rows,
        "home_visits": _related(process, "home_visits", "visited_on"),
        "notices": _related(process, "notices", "round"),
        "documents": documents,
        "attachments": _related(process, "attachments", "uploaded_at"),
        "events": [(e, selectors.action_label(e.action)) for e in events],
        "decisions": selectors.decisions(process, events),
        "evidence": selectors.evidence(events),
        "state": selectors.replay(process, events=events),
        "verification": selectors.case_verification(process),
        "path": selectors.path_taken(process),
    }


def appendices(context: dict[str, Any]) -> list[Appendix]:
    """The issued documents, then the uploaded materials, in the order they were made."""
    out = []
    for doc in context["documents"]:
        out.append(
            Appendix(
                title=doc.get_kind_display(),
                name=doc.filename,
                sha256=doc.sha256,
                content_type=mimetypes.guess_type(doc.filename)[0] or "application/pdf",
                read=lambda doc=doc: _read(doc.file),
            )
        )
    for attachment in context["attachments"]:
        name = attachment.file.name.rsplit("/", 1)[-1]
        out.append(
            Appendix(
                title=attachment.get_kind_display(),
                name=name,
                sha256="",
                content_type=mimetypes.guess_type(name)[0] or "",
                read=lambda a=attachment: _read(a.file),
            )
        )
    return out


def _read(field_file) -> bytes:
    with field_file.open("rb") as fh:
        return fh.read()


def _image_page(appendix: Appendix, data: bytes) -> bytes:
    uri = f"data:{appendix.content_type};base64,{base64.b64encode(data).decode()}"
    html = render_to_string("pdf/history/appendix_image.html", {"appendix": appendix, "uri": uri})
    return render_html_to_pdf(html)


def prepare(files: list[Appendix]) -> list[tuple[Appendix, PdfReader | None]]:
    """Each appendix as PDF pages, read before the case file is rendered so that its index
    can give every file's page count. A file that cannot be read, or is neither a PDF nor
    an image, gets a note in the index instead (the export still succeeds)."""
    out: list[tuple[Appendix, PdfReader | None]] = []
    for appendix in files:
        reader = None
        try:
            data = appendix.read()
            if appendix.content_type in IMAGE_TYPES:
                data = _image_page(appendix, data)
            if data.startswith(b"%PDF"):
                reader = PdfReader(io.BytesIO(data))
                appendix.pages = len(reader.pages)
            else:
                appendix.note = _t("格式无法附入，请查阅原件")
        except (OSError, PdfReadError, ValueError, KeyError, IndexError, TypeError) as exc:
            logger.warning("case file appendix %s not appended: %s", appendix.name, exc)
            appendix.note = _t("文件缺失或无法读取")
            reader = None
        out.append((appendix, reader))
    return out


def merge(case_file: bytes, prepared: list[tuple[Appendix, PdfReader | None]]) -> bytes:
    """The case file's own pages followed by every appendix's pages."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(case_file)))
    for _appendix, reader in prepared:
        if reader is not None:
            writer.append(reader)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

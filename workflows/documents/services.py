"""Issuing, storing and superseding case documents.

Every document is audited on its case chain ("case:<process pk>") with the
kind, size and SHA-256 only: no names, no file names, no content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core.audit import audit_record
from workflows.core.flows import coerce

from .models import CaseDocument, mask_name, new_token

ERR_UNKNOWN_KIND = _("未知的文书类别。")
ERR_EMPTY_CONTENT = _("文书内容为空。")
ERR_NO_CASE = _("案件不存在。")
ERR_SUPERSEDE_OTHER_CASE = _("只能用同一案件的新文书替代原文书。")
ERR_ALREADY_SUPERSEDED = _("该文书已被替代。")


def verification_url(token: str) -> str:
    """``/verify/<token>/``, prefixed with ``settings.PUBLIC_BASE_URL`` when configured."""
    base = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    return f"{base.rstrip('/')}{reverse('documents:verify', kwargs={'token': token})}"


def _case_snapshot(process_id: int) -> tuple[str, str]:
    process = Process.objects.filter(pk=process_id).first()
    if process is None:
        raise ValidationError(ERR_NO_CASE, code="no_case")
    process = coerce(process)
    township = getattr(process, "township", None)
    return getattr(process, "case_number", "") or "", getattr(township, "name", "") or ""


def _create(
    *,
    process_id: int,
    kind: str,
    filename: str,
    content: bytes,
    actor,
    token: str,
    verifiable: bool,
    applicant_name: str,
    supersedes: CaseDocument | None,
) -> CaseDocument:
    if kind not in CaseDocument.Kind.values:
        raise ValidationError(ERR_UNKNOWN_KIND, code="kind")
    if not content:
        raise ValidationError(ERR_EMPTY_CONTENT, code="empty")
    case_number, township_name = _case_snapshot(process_id)
    digest = hashlib.sha256(content).hexdigest()
    document = CaseDocument(
        process_id=process_id,
        kind=kind,
        filename=filename[:150],
        sha256=digest,
        size=len(content),
        token=token,
        verifiable=verifiable,
        case_number=case_number,
        township_name=township_name,
        holder_masked=mask_name(applicant_name),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    document.file.save(filename, ContentFile(content), save=False)
    document.save()
    audit_record(
        action="document.issued",
        target=document,
        actor=actor,
        process_id=process_id,
        data={"document": document.pk, "kind": kind, "sha256": digest, "size": len(content), "qr": verifiable},
    )
    if supersedes is not None:
        document_supersede(document=supersedes, replacement=document, actor=actor)
    return document


def document_issue(
    *,
    process_id: int,
    kind: str,
    filename: str,
    render: Callable[[str], bytes],
    actor,
    applicant_name: str = "",
    supersedes: CaseDocument | None = None,
) -> CaseDocument:
    """Issue a document carrying a verification QR code.

    Draws the token first, builds its verification URL, calls
    ``render(url)`` for the PDF bytes (outside any lock this function takes;
    inside the caller's transaction if there is one) and stores the file.
    ``applicant_name`` is kept masked only (张*三), for the verification page.
    """
    token = new_token()
    content = render(verification_url(token))
    with transaction.atomic():
        return _create(
            process_id=process_id,
            kind=kind,
            filename=filename,
            content=content,
            actor=actor,
            token=token,
            verifiable=True,
            applicant_name=applicant_name,
            supersedes=supersedes,
        )


@transaction.atomic
def document_store(
    *,
    process_id: int,
    kind: str,
    filename: str,
    content: bytes,
    actor,
    applicant_name: str = "",
    supersedes: CaseDocument | None = None,
) -> CaseDocument:
    """Store a document without a QR code (e.g. a public notice)."""
    return _create(
        process_id=process_id,
        kind=kind,
        filename=filename,
        content=content,
        actor=actor,
        token=new_token(),
        verifiable=False,
        applicant_name=applicant_name,
        supersedes=supersedes,
    )


@transaction.atomic
def document_supersede(*, document: CaseDocument, replacement: CaseDocument, actor) -> CaseDocument:
    """Mark ``document`` as replaced by ``replacement`` (same case). Its QR then verifies as superseded."""
    document = CaseDocument.objects.select_for_update().get(pk=document.pk)
    if replacement.process_id != document.process_id or replacement.pk == document.pk:
        raise ValidationError(ERR_SUPERSEDE_OTHER_CASE, code="other_case")
    if document.superseded_by_id is not None:
        raise ValidationError(ERR_ALREADY_SUPERSEDED, code="superseded")
    document.superseded_by = replacement
    document.save()
    audit_record(
        action="document.superseded",
        target=document,
        actor=actor,
        process_id=document.process_id,
        changes={"superseded_by": [None, replacement.pk]},
        data={"kind": document.kind, "sha256": document.sha256},
    )
    return document


@transaction.atomic
def document_record_download(*, document: CaseDocument, actor) -> None:
    """Audit that ``actor`` downloaded ``document`` (the view checked the case scope)."""
    audit_record(
        action="document.downloaded",
        target=document,
        actor=actor,
        process_id=document.process_id,
        data={"document": document.pk, "kind": document.kind, "sha256": document.sha256},
    )

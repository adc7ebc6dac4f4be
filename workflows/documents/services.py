"""Issuing, storing and superseding case documents.

Every document is audited on its case chain ("case:<process pk>") with the
kind, size and SHA-256 only: no names, no file names, no content. A letter anchored on a
household (a benefit with no case behind it) is audited on the document's own chain.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core.audit import audit_record
from workflows.core.flows import coerce
from workflows.core.types import Actor, AnyUser, Staff
from workflows.households.models import Household

from .models import CaseDocument, PendingDocument, mask_name, new_token
from .rendering import renderer_for

logger = logging.getLogger(__name__)

ERR_UNKNOWN_KIND = _("未知的文书类别。")
ERR_EMPTY_CONTENT = _("文书内容为空。")
ERR_NO_CASE = _("案件不存在。")
ERR_SUPERSEDE_OTHER_CASE = _("只能用同一案件的新文书替代原文书。")
ERR_ALREADY_SUPERSEDED = _("该文书已被替代。")
ERR_RETRY_NOT_FAILED = _("只有生成失败的文书可以重新生成。")
ERR_RETRY_NOT_ALLOWED = _("您不能为该案件重新生成文书。")
#: Who may ask again for a document that failed to render: the township's case workers and approvers.
RETRY_CODENAMES = ("act_case_worker", "act_approver")


def verification_url(token: str) -> str:
    """``/verify/<token>/``, prefixed with ``settings.PUBLIC_BASE_URL`` when configured."""
    base = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    return f"{base.rstrip('/')}{reverse('documents:verify', kwargs={'token': token})}"


def _case_snapshot(process_id: int, case: Process | None = None) -> tuple[str, str]:
    """The case number and township name the document records. ``case``: the caller's own
    instance of that case (its service's, its renderer's), read in this transaction: no read
    of the case again (three statements per document before, issue 19); the township is read
    only when the instance came without it."""
    if case is not None and case.pk == process_id and type(case) is not Process:
        process = case
    else:
        found = Process.objects.filter(pk=process_id).first()
        if found is None:
            raise ValidationError(ERR_NO_CASE, code="no_case")
        process = coerce(found)
    township = getattr(process, "township", None)
    return getattr(process, "case_number", "") or "", getattr(township, "name", "") or ""


def _household_snapshot(household: Household | None, case_number: str) -> tuple[str, str]:
    # The reference the letter prints (the benefit's number) is the caller's: a household
    # may hold several benefits, so it cannot be read from the household.
    if household is None or household.pk is None:
        raise ValidationError(ERR_NO_CASE, code="no_case")
    return case_number, household.township.name


def _create(
    *,
    process_id: int | None,
    kind: str,
    filename: str,
    content: bytes,
    actor: Actor,
    token: str,
    verifiable: bool,
    applicant_name: str,
    supersedes: CaseDocument | None,
    household: Household | None = None,
    case_number: str = "",
    case: Process | None = None,
) -> CaseDocument:
    if kind not in CaseDocument.Kind.values:
        raise ValidationError(ERR_UNKNOWN_KIND, code="kind")
    if not content:
        raise ValidationError(ERR_EMPTY_CONTENT, code="empty")
    if process_id is not None:
        case_number, township_name = _case_snapshot(process_id, case)
    else:
        case_number, township_name = _household_snapshot(household, case_number)
    digest = hashlib.sha256(content).hexdigest()
    document = CaseDocument(
        process_id=process_id,
        household=household if process_id is None else None,
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
    process_id: int | None,
    kind: str,
    filename: str,
    render: Callable[[str], bytes],
    actor: Actor,
    applicant_name: str = "",
    supersedes: CaseDocument | None = None,
    household: Household | None = None,
    case_number: str = "",
    case: Process | None = None,
) -> CaseDocument:
    """Issue a document carrying a verification QR code.

    Draws the token first, builds its verification URL, calls
    ``render(url)`` for the PDF bytes (outside any lock this function takes;
    inside the caller's transaction if there is one) and stores the file.
    ``applicant_name`` is kept masked only (张*三), for the verification page.
    Without a case (``process_id=None``) the document is anchored on ``household`` and
    records ``case_number`` (the reference the letter prints) in its snapshot. ``case``: the
    caller's instance of the case, if it has one, for that snapshot (no read of it again).
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
            household=household,
            case_number=case_number,
            case=case,
        )


@transaction.atomic
def document_store(
    *,
    process_id: int,
    kind: str,
    filename: str,
    content: bytes,
    actor: Actor,
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
def document_supersede(*, document: CaseDocument, replacement: CaseDocument, actor: Actor) -> CaseDocument:
    """Mark ``document`` as replaced by ``replacement`` (same case). Its QR then verifies as superseded."""
    document = CaseDocument.objects.select_for_update().get(pk=document.pk)
    same_anchor = (replacement.process_id, replacement.household_id) == (document.process_id, document.household_id)
    if not same_anchor or replacement.pk == document.pk:
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
def document_record_download(*, document: CaseDocument, actor: Staff) -> None:
    """Audit that ``actor`` downloaded ``document`` (the view checked the case scope)."""
    audit_record(
        action="document.downloaded",
        target=document,
        actor=actor,
        process_id=document.process_id,
        data={"document": document.pk, "kind": document.kind, "sha256": document.sha256},
    )


# --- documents rendered after commit ------------------------------------------------------
def document_request(
    *, process_id: int, kind: str, filename: str, renderer: str, params: dict, actor: Actor
) -> PendingDocument:
    """Record that the case needs a document and render it after this transaction commits.

    The PDF is never rendered here: the caller's transaction (often holding the case row
    lock) stays short, and a failing render cannot undo the caller's decision. The Celery
    job ``render_document`` renders it (``document_render``); until then readers see the
    row as pending.
    """
    from workflows.core.queueing import enqueue_on_commit

    from .tasks import render_document

    if kind not in CaseDocument.Kind.values:
        raise ValidationError(ERR_UNKNOWN_KIND, code="kind")
    renderer_for(renderer)  # fail now, in the caller, for a name nobody registered
    row = PendingDocument.objects.create(
        process_id=process_id,
        kind=kind,
        filename=filename[:150],
        renderer=renderer,
        params=params,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    enqueue_on_commit(render_document, row.pk)
    return row


def _render_and_store(row: PendingDocument) -> CaseDocument:
    renderer = renderer_for(row.renderer)
    prepared = renderer.prepare(row.params)
    token = new_token()
    content = prepared.render(verification_url(token) if renderer.verifiable else None)
    document = _create(
        process_id=row.process_id,
        kind=row.kind,
        filename=row.filename,
        content=content,
        actor=row.created_by,
        token=token,
        verifiable=renderer.verifiable,
        applicant_name=prepared.applicant_name,
        supersedes=None,
        case=prepared.case,
    )
    if renderer.on_rendered is not None:
        renderer.on_rendered(row.params, document)
    return document


class RenderFailed(Exception):
    """An attempt failed and another one is due (the job retries on it)."""


def document_render(*, pending_pk: int) -> str:
    """Render one pending document and record the result; returns ``rendered``, ``failed``
    or ``skipped``. Raises ``RenderFailed`` when an attempt failed and another is due.

    Idempotent: only a pending row is rendered, under its row lock (never the case's), so a
    redelivered job (acks_late, a killed worker) finds it rendered and does nothing. A
    failed attempt is counted and committed; after ``settings.DOCUMENT_RENDER_ATTEMPTS``
    the row is ``failed``, audited on the case and listed for the office to retry
    (``document_render_retry``).
    """
    failure: Exception | None = None
    with transaction.atomic():
        row = (
            PendingDocument.objects.select_for_update(of=("self",))
            .select_related("created_by")
            .filter(pk=pending_pk)
            .first()
        )
        if row is None or row.status != PendingDocument.Status.PENDING:
            return "skipped"
        row.attempts += 1
        row.updated_at = timezone.now()
        try:
            with transaction.atomic():  # a failed store leaves no half document behind
                row.document = _render_and_store(row)
        except Exception as exc:
            failure = exc
            # the error's class only: its message may quote case data
            row.last_error = type(exc).__name__[:200]
            logger.warning("document %s render attempt %s failed (%s)", row.pk, row.attempts, row.last_error)
            if row.attempts >= settings.DOCUMENT_RENDER_ATTEMPTS:
                row.status = PendingDocument.Status.FAILED
                audit_record(
                    action="document.render_failed",
                    target=row,
                    actor=None,
                    process_id=row.process_id,
                    data={"pending_document": row.pk, "kind": row.kind, "attempts": row.attempts,
                          "error": row.last_error},
                )  # fmt: skip
        else:
            row.status = PendingDocument.Status.RENDERED
            row.last_error = ""
        row.save()
    if failure is not None and row.status == PendingDocument.Status.PENDING:
        raise RenderFailed(row.last_error) from failure
    return row.status


def _may_retry(user: AnyUser, process_id: int) -> bool:
    from workflows.core.access import holds

    process = Process.objects.filter(pk=process_id).first()
    township = getattr(coerce(process), "township_id", None) if process is not None else None
    return any(holds(user, codename, township=township) for codename in RETRY_CODENAMES)


@transaction.atomic
def document_render_retry(*, pending: PendingDocument, actor: Staff) -> PendingDocument:
    """Ask again for a document whose render failed (the office's button): the row is pending
    again with its attempts reset, and the job is queued after commit."""
    from workflows.core.queueing import enqueue_on_commit

    from .tasks import render_document

    if not _may_retry(actor, pending.process_id):
        raise PermissionDenied(ERR_RETRY_NOT_ALLOWED)
    row = PendingDocument.objects.select_for_update().get(pk=pending.pk)
    if row.status != PendingDocument.Status.FAILED:
        raise ValidationError(ERR_RETRY_NOT_FAILED, code="not_failed")
    old_attempts = row.attempts
    row.status = PendingDocument.Status.PENDING
    row.attempts = 0
    row.updated_at = timezone.now()
    row.save(update_fields=["status", "attempts", "updated_at"])
    audit_record(
        action="document.render_retried",
        target=row,
        actor=actor,
        process_id=row.process_id,
        changes={"status": [PendingDocument.Status.FAILED, PendingDocument.Status.PENDING]},
        data={"pending_document": row.pk, "kind": row.kind, "attempts_before": old_attempts},
    )
    enqueue_on_commit(render_document, row.pk)
    return row

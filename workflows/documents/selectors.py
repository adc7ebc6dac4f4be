"""Reads of case documents."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import CaseDocument, PendingDocument


def documents_for_case(process_id: int) -> QuerySet[CaseDocument]:
    """Every document issued on the case, oldest first (superseded ones included)."""
    return CaseDocument.objects.filter(process_id=process_id).order_by("created_at", "pk")


def document_by_token(token: str) -> CaseDocument | None:
    return CaseDocument.objects.filter(token=token).first()


def pending_documents_for_case(process_id: int) -> QuerySet[PendingDocument]:
    """Documents the case asked for that are not stored yet: pending (rendering after commit)
    or failed (listed for the office to retry), oldest first."""
    return PendingDocument.objects.filter(process_id=process_id).exclude(status=PendingDocument.Status.RENDERED)


def pending_letter_kinds(process_id: int, kinds: Iterable[str]) -> set[str]:
    """Which of ``kinds`` the case asked for and does not have yet (pending or failed)."""
    return set(pending_documents_for_case(process_id).filter(kind__in=kinds).values_list("kind", flat=True))

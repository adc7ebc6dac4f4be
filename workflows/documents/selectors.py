"""Reads of case documents."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import CaseDocument


def documents_for_case(process_id: int) -> QuerySet[CaseDocument]:
    """Every document issued on the case, oldest first (superseded ones included)."""
    return CaseDocument.objects.filter(process_id=process_id).order_by("created_at", "pk")


def document_by_token(token: str) -> CaseDocument | None:
    return CaseDocument.objects.filter(token=token).first()

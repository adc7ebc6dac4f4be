"""Reads of temporary assistance for other pages (fund views)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import TemporaryAssistanceProcess

if TYPE_CHECKING:
    from workflows.households.models import Household

    from .models import Payment


def pending_assist_first(*, township_ids: Iterable[int]) -> QuerySet[TemporaryAssistanceProcess]:
    """Assist-first cases whose paperwork is not completed yet (先行救助，待补办), oldest deadline first."""
    return (
        TemporaryAssistanceProcess.objects.filter(
            township_id__in=township_ids, assist_first=True, paperwork_completed_at__isnull=True, payments__isnull=False
        )
        .distinct()
        .select_related("township")
        .order_by("paperwork_due", "pk")
    )


def case_payments(process: TemporaryAssistanceProcess) -> QuerySet[Payment]:
    """The staged payments of one case, oldest first, with what is left to reverse (``remaining``)."""
    from django.db.models import F

    from .models import Payment

    return (
        Payment.objects.filter(process=process)
        .select_related("fund_entry", "paid_by")
        .annotate(remaining=F("amount") - F("reversed_amount"))
        .order_by("seq")
    )


def household_by_id_number(*, id_number: str, households: QuerySet[Household]) -> Household | None:
    """The household among ``households`` (the actor's intake scope) with a member of this ID number, or None."""
    from workflows.households.validators import normalise_id_number

    return households.filter(members__id_number=normalise_id_number(id_number)).select_related("village").first()


def decided_without_letter(*, decided_before: datetime.datetime) -> QuerySet:
    """Pks of decided cases that have no decision / refusal letter yet (the letter sweep), oldest first."""
    from django.db.models import Exists, OuterRef

    from workflows.documents.models import CaseDocument

    letters = CaseDocument.objects.filter(process_id=OuterRef("pk"), kind=CaseDocument.Kind.TA_DECISION)
    return (
        TemporaryAssistanceProcess.objects.exclude(decision="")
        .filter(decided_at__lt=decided_before)
        .filter(~Exists(letters))
        .order_by("decided_at", "pk")
        .values_list("pk", flat=True)
    )

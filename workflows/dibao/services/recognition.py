"""The county's register of recognised low-income households (低收入家庭认定, LB24): its export
is logged (who, when, which townships, how many rows), like every other export."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workflows.core.audit import audit_record
from workflows.core.models import County
from workflows.core.scope import user_scope
from workflows.core.types import Staff

ERR_NO_TOWNSHIP = _("您没有任何乡镇（街道）的低收入家庭名册。")


@transaction.atomic
def recognised_register_export_record(*, row_count: int, actor: Staff) -> list[int]:
    """Log the export of the recognised-household register the actor may see: one audit row
    per county it covers (its chain). Raises ``PermissionDenied`` for a user with no
    township. Returns the township ids exported."""
    townships = sorted(user_scope(actor).township_ids)
    if not townships:
        raise PermissionDenied(ERR_NO_TOWNSHIP)
    for county in County.objects.filter(townships__in=townships).distinct().order_by("pk"):
        audit_record(
            action="dibao.recognised_register_exported",
            target=county,
            actor=actor,
            data={"rows": row_count, "townships": townships, "format": "csv"},
        )
    return townships

"""Template helpers of temporary assistance for other apps' pages (the fund ledger, the case page)."""

from django import template

from workflows.core.access import holds

register = template.Library()


@register.simple_tag
def may_reverse_in(user, township) -> bool:
    """May ``user`` reverse temporary-assistance payments of ``township``'s cases (a link is worth showing)?

    The township approver and the county officer of its county (``services.reversal_sources_for``);
    one query per page, not per row.
    """
    if not getattr(user, "is_authenticated", False) or township is None:
        return False
    return holds(user, "act_approver", township=township.pk) or (
        holds(user, "act_county_officer", county=township.county_id)
    )


@register.simple_tag
def case_letters(process):
    """The case's decision / refusal letters, newest first (the page is already scoped to the case)."""
    from workflows.documents.models import CaseDocument
    from workflows.documents.selectors import documents_for_case

    return documents_for_case(process.pk).filter(kind=CaseDocument.Kind.TA_DECISION).order_by("-created_at", "-pk")

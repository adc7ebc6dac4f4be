"""Read-only queries of the sampling review."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process

from workflows.core import models as core_models
from workflows.core.models import County, Township
from workflows.core.scope import user_scope
from workflows.core.types import AnyUser, Staff

from .models import DrawnCase, Finding, SamplingDraw, SamplingReviewProcess

#: rule_versions keys -> rule model (unknown keys are shown as given)
RULE_MODELS = {
    "dibao_standard": core_models.DibaoStandard,
    "asset_limit": core_models.AssetLimit,
    "temporary_assistance_rule": core_models.TemporaryAssistanceRule,
    "temporary_assistance": core_models.TemporaryAssistanceRule,
    "sampling_rule": core_models.SamplingRule,
}


def drawn_cases_without_review(draw_pk: int) -> list[int]:
    return list(
        DrawnCase.objects.filter(draw_id=draw_pk, review__isnull=True).order_by("pk").values_list("pk", flat=True)
    )


def counties_for(user: AnyUser) -> QuerySet[County]:
    """Counties whose sampling pages ``user`` may open (county staff of that county)."""
    return County.objects.filter(pk__in=user_scope(user).county_ids)


def county_for_or_404(user: AnyUser, county_pk: int) -> County:
    county = counties_for(user).filter(pk=county_pk).first()
    if county is None:
        raise Http404("No county matches the given query.")
    return county


def draws_visible_to(user: AnyUser) -> QuerySet[SamplingDraw]:
    return SamplingDraw.objects.filter(county__in=counties_for(user)).select_related("county", "rule")


# --- the case file shown to the reviewer ------------------------------------------


def _case_url(process_id: int) -> str | None:
    """The programme case page, ``/staff/cases/<flow>/<pk>/`` (viewflow names the app after the flow class)."""
    process = Process.objects.filter(pk=process_id).first()
    if process is None:
        return None
    try:
        name = process.flow_class.__name__.removesuffix("Flow").lower()
        return reverse(f"cases:{name}:process_detail", kwargs={"process_pk": process_id})
    except (NoReverseMatch, AttributeError, ImportError):
        return None


def _history_url(process_id: int) -> str | None:
    try:
        return reverse("history:case", kwargs={"process_pk": process_id})
    except NoReverseMatch:
        return None


def rule_rows(rule_versions: dict) -> list[dict]:
    """The rule versions an approval applied, loaded from the versioned rule tables."""
    rows = []
    for key, pk in sorted((rule_versions or {}).items()):
        model = RULE_MODELS.get(key)
        obj = model.objects.filter(pk=pk).first() if model else None
        rows.append(
            {
                "key": key,
                "pk": pk,
                "label": model._meta.verbose_name if model else key,
                "text": str(obj) if obj else "",
                "effective_from": getattr(obj, "effective_from", None),
                "note": getattr(obj, "note", ""),
                "found": obj is not None,
            }
        )
    return rows


def finance_evidence(programme: str, process_id: int, finance_check_id: int | None) -> dict | None:
    """The finance check (核对) behind the approval, if the finance_check app is installed."""
    try:
        from workflows.finance_check.models import FinanceCheckProcess
        from workflows.finance_check.selectors import evidence_of, latest_check_for
    except ImportError:
        return None
    check = None
    if finance_check_id:
        check = FinanceCheckProcess.objects.filter(pk=finance_check_id).first()
    if check is None:
        check = latest_check_for(f"{programme}:{process_id}")
    if check is None:
        return None
    return {
        "check": check,
        "outcome": check.get_outcome_display() if getattr(check, "outcome", "") else "",
        "evidence": [
            {"source": e.get_source_display(), "status": e.get_status_display(), "responded_at": e.responded_at}
            for e in evidence_of(check)
        ],
    }


def case_file(process: SamplingReviewProcess) -> dict:
    """Everything the county reviewer sees: the approval, links, finance evidence, rules, corrections."""
    drawn = process.drawn_case
    assert drawn is not None  # a review case is opened from its drawn case (``review_open``)
    record = drawn.record
    return {
        "record": record,
        "drawn": drawn,
        "draw": drawn.draw,
        "case_url": _case_url(record.process_id),
        "history_url": _history_url(record.process_id),
        "finance": finance_evidence(record.programme, record.process_id, record.finance_check_id),
        "rules": rule_rows(record.rule_versions),
        "corrections": list(process.corrections.order_by("round")),
        "complaints": list(drawn.complaints.order_by("pk")),
    }


# --- period report ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    township: Township
    sampled: int
    confirmed: int
    corrected: int
    revoked: int
    pending: int

    @property
    def error_rate(self) -> Decimal | None:
        """(corrected + revoked) / sampled, 4 places (None when nothing was sampled)."""
        if not self.sampled:
            return None
        return (Decimal(self.corrected + self.revoked) / self.sampled).quantize(Decimal("0.0001"))

    @property
    def error_percent(self) -> str:
        rate = self.error_rate
        return "-" if rate is None else f"{rate * 100:.2f}%"


def period_report(county: County, start: datetime.date, end: datetime.date) -> list[ReportRow]:
    """Per township of ``county``: the drawn cases of draws whose period lies within [start, end].

    - confirmed: final finding "confirmed" without any correction;
    - corrected: at least one correction ordered, not revoked;
    - revoked: final finding "revoked";
    - pending: review not decided yet.
    error rate = (corrected + revoked) / sampled.
    """
    rows = (
        DrawnCase.objects.filter(draw__county=county, draw__period_start__gte=start, draw__period_end__lte=end)
        .values("record__township_id")
        .annotate(
            sampled=Count("pk"),
            confirmed=Count("pk", filter=Q(review__finding=Finding.CONFIRMED, review__correction_rounds=0)),
            corrected=Count("pk", filter=Q(review__correction_rounds__gt=0) & ~Q(review__finding=Finding.REVOKED)),
            revoked=Count("pk", filter=Q(review__finding=Finding.REVOKED)),
        )
    )
    by_township = {r["record__township_id"]: r for r in rows}
    out = []
    for township in Township.objects.filter(county=county).order_by("code"):
        r = by_township.get(township.pk, {"sampled": 0, "confirmed": 0, "corrected": 0, "revoked": 0})
        pending = r["sampled"] - r["confirmed"] - r["corrected"] - r["revoked"]
        out.append(ReportRow(township, r["sampled"], r["confirmed"], r["corrected"], r["revoked"], pending))
    return out


def report_totals(rows: list[ReportRow], county: County) -> ReportRow:
    return ReportRow(
        Township(name=str(county.name), code=county.code),
        sum(r.sampled for r in rows),
        sum(r.confirmed for r in rows),
        sum(r.corrected for r in rows),
        sum(r.revoked for r in rows),
        sum(r.pending for r in rows),
    )


def error_rate_chart(rows: list[ReportRow]) -> dict:
    """The report's error rate per township as bar-chart data for ``json_script``
    (static/workspace/charts.js): the same ``ReportRow.error_rate`` as the table, no query;
    a township with nothing sampled has no bar (null), not a 0 % one."""
    return {
        "kind": "bar",
        "percent": True,
        "categories": [r.township.name for r in rows],
        "groups": [
            {
                "name": _("差错率"),
                "series": [
                    {
                        "name": _("差错率"),
                        "data": [None if r.error_rate is None else f"{r.error_rate:.4f}" for r in rows],
                    }
                ],
            }
        ],
    }


def without_own_approvals(tasks: QuerySet, user: Staff) -> QuerySet:
    """Drop review tasks of approvals ``user`` acted on (domain.md §1), as one SQL subquery."""
    from django.db.models import Exists, OuterRef

    from .flows import SamplingReviewFlow
    from .models import ApprovalActor

    acted = ApprovalActor.objects.filter(user_id=user.pk, record__drawn__review__pk=OuterRef("process_id"))
    review_nodes = Q(flow_task=SamplingReviewFlow.review) | Q(flow_task=SamplingReviewFlow.re_review)
    return tasks.exclude(Q(process__flow_class=SamplingReviewFlow) & review_nodes & Exists(acted))


def overdue_corrections_for(user: AnyUser) -> QuerySet:
    """Escalated, still open corrections in the user's counties."""
    from .models import Correction

    return (
        Correction.objects.filter(
            review__county__in=counties_for(user), done_at__isnull=True, escalated_on__isnull=False
        )
        .select_related("review__township")
        .order_by("due_on")
    )

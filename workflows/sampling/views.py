"""Sampling review pages: node views (form → one service → execute) and county pages."""

from __future__ import annotations

import csv
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from workflows.core.models import County
from workflows.core.scope import regions_where
from workflows.core.views import CaseTaskFormView

from . import selectors, services
from .forms import CorrectionForm, DrawForm, PeriodForm, ReviewForm

MSG_DRAWN = _("已抽取 %(period)s：样本池 %(pool)s 件，抽中 %(drawn)s 件，复核任务已生成。")


class ReviewView(CaseTaskFormView):
    """County review (and re-review after a correction): the reviewer sees the case file."""

    form_class = ReviewForm
    template_name = "sampling/review.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "case": selectors.case_file(self.process)}

    def perform(self, form):
        services.review_decide(
            process=self.process,
            finding=form.cleaned_data["finding"],
            note=form.cleaned_data["note"],
            instructions=form.cleaned_data["instructions"],
            actor=self.request.user,
        )


class CorrectionView(CaseTaskFormView):
    """The township reports the correction it made."""

    form_class = CorrectionForm
    template_name = "sampling/correction.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "case": selectors.case_file(self.process)}

    def perform(self, form):
        services.correction_complete(process=self.process, report=form.cleaned_data["report"], actor=self.request.user)


# --- county pages ----------------------------------------------------------------


def draw_list(request):
    draws = selectors.draws_visible_to(request.user).order_by("-period_start", "county__code")
    counties = selectors.counties_for(request.user)
    overdue = selectors.overdue_corrections_for(request.user)
    drawing = regions_where(request.user, "act_county_reviewer", County).order_by("code")
    return render(
        request,
        "sampling/draw_list.html",
        {"draws": draws, "counties": counties, "overdue": overdue, "drawing": drawing},
    )


def draw_new(request, county_pk: int):
    """The county reviewer draws an ended, undrawn period now (domain.md §7, TK 16, MSL 20), rather
    than waiting for the nightly job; ``draw_run`` stores the seed and starts the reviews."""
    county = selectors.county_for_or_404(request.user, county_pk)
    if not regions_where(request.user, "act_county_reviewer", County).filter(pk=county.pk).exists():
        raise PermissionDenied
    form = DrawForm(request.POST or None, periods=services.due_periods(county, timezone.localdate()))
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["period"]
        try:
            draw = services.draw_run(county=county, period_start=start, period_end=end, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            period = f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
            messages.success(request, MSG_DRAWN % {"period": period, "pool": draw.pool_size, "drawn": draw.drawn_count})
            return redirect("sampling:draw", pk=draw.pk)
    return render(request, "sampling/draw_new.html", {"county": county, "form": form})


def draw_detail(request, pk: int):
    draw = get_object_or_404(selectors.draws_visible_to(request.user), pk=pk)
    matches, missing, unexpected = services.verify_draw(draw)
    cases = draw.cases.select_related("record__township", "review").order_by("record_id")
    return render(
        request,
        "sampling/draw_detail.html",
        {"draw": draw, "cases": cases, "verified": matches, "missing": missing, "unexpected": unexpected},
    )


def _period(request) -> tuple[datetime.date, datetime.date]:
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["period_start"], form.cleaned_data["period_end"]
    today = timezone.localdate()
    return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)


def _report(request, county_pk: int):
    county = selectors.county_for_or_404(request.user, county_pk)
    start, end = _period(request)
    rows = selectors.period_report(county, start, end)
    return county, start, end, rows, selectors.report_totals(rows, county)


def report(request, county_pk: int):
    county, start, end, rows, total = _report(request, county_pk)
    return render(
        request,
        "sampling/report.html",
        {
            "county": county,
            "start": start,
            "end": end,
            "rows": rows,
            "total": total,
            "error_chart": selectors.error_rate_chart(rows),
        },
    )


def report_csv(request, county_pk: int):
    county, start, end, rows, total = _report(request, county_pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sampling-{county.code}-{start}-{end}.csv"'
    response.write("\ufeff")  # BOM: spreadsheet programs then read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _g("乡镇代码"),
            _g("乡镇（街道）"),
            _g("抽查数"),
            _g("确认"),
            _g("纠正"),
            _g("撤销"),
            _g("未办结"),
            _g("差错率"),
        ]
    )
    for r in [*rows, total]:
        rate = "" if r.error_rate is None else f"{r.error_rate:.4f}"
        writer.writerow(
            [r.township.code, r.township.name, r.sampled, r.confirmed, r.corrected, r.revoked, r.pending, rate]
        )
    return response


def report_pdf(request, county_pk: int):
    county, start, end, rows, total = _report(request, county_pk)
    context = {
        "county": county,
        "start": start,
        "end": end,
        "rows": rows,
        "total": total,
        "today": timezone.localdate(),
    }
    try:
        from workflows.documents.pdf import render_pdf
    except ImportError:  # pragma: no cover - documents app always present in this project
        from django.template.loader import render_to_string
        from weasyprint import HTML

        pdf = HTML(string=render_to_string("pdf/sampling/report.html", context)).write_pdf()
    else:
        pdf = render_pdf("pdf/sampling/report.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sampling-{county.code}-{start}-{end}.pdf"'
    return response

"""The county dashboard and its CSV."""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from workflows.caseload.selectors import recheck_counts
from workflows.core.models import County
from workflows.monitoring.selectors import TownshipMonitoring
from workflows.monitoring.selectors import county_counts as monitoring_counts

from .. import dashboard, selectors

# --- county dashboard ---------------------------------------------------------------------


def _county_or_denied(user, county_pk: int) -> County:
    county = get_object_or_404(County, pk=county_pk)
    if not selectors.dashboard_counties(user).filter(pk=county.pk).exists():
        if not selectors.dashboard_counties(user).exists():
            raise PermissionDenied
        raise Http404
    return county


def county_index(request):
    """The user's (first) county dashboard."""
    county = selectors.dashboard_counties(request.user).first()
    if county is None:
        raise PermissionDenied
    return redirect("workspace:county", county_pk=county.pk)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def county_dashboard(request, county_pk: int):
    county = _county_or_denied(request.user, county_pk)
    year = _year(request)
    rows, stages = dashboard.county_figures(county, year=year)
    trends = dashboard.county_trends(county, year=year)
    # dynamic monitoring (LI23): signals received, handled and overdue per township
    signals = monitoring_counts(county, year=year)
    monitoring_rows = [(r.township, signals.get(r.township.pk, TownshipMonitoring())) for r in rows]
    return render(
        request,
        "workspace/county.html",
        {
            "kind": "county",
            "county": county,
            "year": year,
            "rows": rows,
            "stages": stages,
            "stage_rows": [(r, [r.by_stage.get(s, 0) for s in stages]) for r in rows],
            "charts": dashboard.dashboard_charts(rows),
            "trends": trends,
            "trends_chart": dashboard.trends_chart(trends, year=year),
            "totals": {
                "open_cases": sum(r.open_cases for r in rows),
                "overdue": sum(r.overdue for r in rows),
                "approvals": sum(r.approvals for r in rows),
                "refusals": sum(r.refusals for r in rows),
                "ta_paid": sum((r.ta_paid for r in rows), dashboard.ZERO),
                "referrals_open": sum(r.referrals_open for r in rows),
                "referrals_overdue": sum(r.referrals_overdue for r in rows),
                "conferences": sum(r.conferences for r in rows),
            },
            "rechecks": recheck_counts(today=timezone.localdate(), county=county),
            "monitoring_rows": monitoring_rows,
            "monitoring": {
                "received": sum(c.received for c in signals.values()),
                "handled": sum(c.handled for c in signals.values()),
                "overdue": sum(c.overdue for c in signals.values()),
            },
        },
    )


def county_csv(request, county_pk: int):
    county = _county_or_denied(request.user, county_pk)
    year = _year(request)
    rows, stages = dashboard.county_figures(county, year=year)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="county-{county.code}-{year}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV with a BOM correctly
    writer = csv.writer(response)
    for line in dashboard.csv_rows(rows, stages):
        writer.writerow(line)
    return response

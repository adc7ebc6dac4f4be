"""The register of recognised low-income households (低收入家庭认定, LB24): the page and its
CSV export (logged). Township staff see their township's, county officers their county's."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from workflows.core.models import Township
from workflows.core.scope import regions_where

from . import selectors, services


def _rows(user):
    if not selectors.may_open_recognised_register(user):
        raise PermissionDenied
    return list(selectors.recognised_households(user))


@require_GET
def recognised_register(request):
    rows = _rows(request.user)
    return render(
        request,
        "dibao/low_income_register.html",
        {
            "kind": "low_income",
            "rows": rows,
            "today": timezone.localdate(),
            # SAI 60, LI23: the township's case worker refers a recognised family to special assistance
            "may_refer": set(regions_where(request.user, "act_case_worker", Township).values_list("pk", flat=True)),
        },
    )


def recognised_register_csv(request):
    """The register as CSV (no ID numbers, phones or accounts); the export is logged first.
    POST only, after the role check (403 before 405, like the other pages)."""
    rows = _rows(request.user)  # 403 before anything is logged
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.recognised_register_export_record(row_count=len(rows), actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("dibao:low_income")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="low-income-{timezone.localdate():%Y%m%d}.csv"'
    response.write("\ufeff")  # BOM: spreadsheet programs then read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [gettext("案件编号"), gettext("乡镇（街道）"), gettext("村（社区）"), gettext("申请人"), gettext("家庭人口"),
         gettext("认定类别"), gettext("认定起始月"), gettext("保障状态"), gettext("下次复核期限")]
    )  # fmt: skip
    for b in rows:
        head = b.household.head  # members are prefetched: no query per row
        writer.writerow(
            [b.case_number, b.township.name, b.household.village.name, head.name if head else "",
             len(b.household.members.all()),
             b.category_label or "", f"{b.starts:%Y-%m}", b.get_status_display(),
             b.next_recheck_due.isoformat() if b.next_recheck_due else ""]
        )  # fmt: skip
    return response

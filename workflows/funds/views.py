"""Fund pages: list, one fund (balance, ledger, pending assist-first paperwork),
CSV export, a read-only JSON API, and the county's allocation form.

Out-of-scope funds answer 404, so a township cannot learn another's figures.
"""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from workflows.core.models import County, Township
from workflows.core.scope import regions_where, user_scope

from . import selectors, services
from .forms import CreditForm
from .models import FundEntry, ReserveFund

ERR_API_READ_ONLY = _("台账接口只读：记录不能修改或删除。")


def _visible_fund(user, pk: int) -> ReserveFund:
    fund = ReserveFund.objects.select_related("township", "township__county").filter(pk=pk).first()
    if fund is None or fund.township_id not in user_scope(user).township_ids:
        raise Http404("No fund matches the given query.")
    return fund


@require_GET
def fund_list(request):
    scope = user_scope(request.user)
    return render(
        request,
        "funds/fund_list.html",
        {
            "funds": selectors.funds_visible_to(request.user),
            "is_county_staff": bool(scope.county_ids),
            "may_credit": _credit_townships(request.user).exists(),
        },
    )


@require_GET
def fund_detail(request, pk: int):
    fund = _visible_fund(request.user, pk)
    page = Paginator(selectors.fund_ledger(fund), 50).get_page(request.GET.get("page"))
    points = selectors.balance_by_day(fund)
    return render(
        request,
        "funds/fund_detail.html",
        {
            "fund": fund,
            "page": page,
            "pending": selectors.pending_paperwork(township_ids=[fund.township_id]),
            "balance_points": points,
            "balance_chart": selectors.balance_chart(fund, points),
        },
    )


@require_GET
def fund_ledger_csv(request, pk: int):
    """The fund's ledger for a spreadsheet: Chinese headers, Asia/Shanghai times to the
    second, the kind in words, money with two decimals, the person's name (issue 14 §5)."""
    fund = _visible_fund(request.user, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fund-{fund.township.code}-{fund.budget_year}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 only with the BOM
    writer = csv.writer(response)
    writer.writerow([str(h) for h in LEDGER_CSV_HEADERS])
    for e in selectors.fund_ledger(fund).select_related("actor").order_by("pk").iterator(chunk_size=500):
        writer.writerow(
            [
                e.pk,
                timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                e.get_kind_display(),
                f"{e.amount:.2f}",
                f"{e.balance_after:.2f}",
                e.case_number,
                e.reason,
                e.actor.get_full_name() or e.actor.get_username(),
            ]
        )
    return response


#: Column headers of the ledger CSV export.
LEDGER_CSV_HEADERS = (
    _("序号"),
    _("记账时间"),
    _("类型"),
    _("金额（元）"),
    _("记账后余额（元）"),
    _("案件编号"),
    _("事由"),
    _("经办人"),
)


def _entry_json(e: FundEntry) -> dict:
    return {
        "id": e.pk,
        "fund": e.fund_id,
        "kind": e.kind,
        "amount": f"{e.amount:.2f}",
        "balance_after": f"{e.balance_after:.2f}",
        "reason": e.reason,
        "case_number": e.case_number,
        "reverses": e.reverses_id,
        "created_at": e.created_at.isoformat(),
    }


def _read_only(request):
    if request.method != "GET":
        response = JsonResponse({"detail": str(ERR_API_READ_ONLY)}, status=405)
        response["Allow"] = "GET"
        return response
    return None


@require_http_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
def api_fund_entries(request, pk: int):
    fund = _visible_fund(request.user, pk)
    refused = _read_only(request)
    if refused:
        return refused
    entries = selectors.fund_ledger(fund)[:500]
    return JsonResponse(
        {"fund": fund.pk, "balance": f"{fund.balance:.2f}", "entries": [_entry_json(e) for e in entries]}
    )


@require_http_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
def api_fund_entry(request, pk: int):
    entry = FundEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise Http404
    _visible_fund(request.user, entry.fund_id)
    refused = _read_only(request)
    if refused:
        return refused
    return JsonResponse(_entry_json(entry))


def _credit_townships(user):
    return Township.objects.filter(county_id__in=user_scope(user).county_ids).filter(
        county__in=regions_where(user, "act_county_officer", County)
    )


@require_http_methods(["GET", "POST"])
def fund_credit(request):
    townships = _credit_townships(request.user)
    if not townships.exists():
        raise PermissionDenied(services.ERR_NOT_COUNTY_OFFICER)
    form = CreditForm(request.POST or None, townships=townships)
    if request.method == "POST" and form.is_valid():
        action = (
            services.fund_allocate
            if form.cleaned_data["kind"] == FundEntry.Kind.ALLOCATION
            else services.fund_replenish
        )
        try:
            entry = action(
                township=form.cleaned_data["township"],
                budget_year=form.cleaned_data["budget_year"],
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return redirect("funds:detail", pk=entry.fund_id)
    return render(request, "funds/fund_credit.html", {"form": form})

"""'Show full number' for a case (workflows/core/pii.py): the household's members' ID
numbers and the bank account, masked until the user gives a reason; the reason, who and
when go into the case's audit chain before the full numbers are sent.

Whoever may see the case may ask (``case_visible``); anyone else gets a 404, from
``CaseScopeMiddleware`` (the URL carries ``process_pk``) and again here.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from viewflow.workflow.models import Process

from .flows import case_visible, coerce
from .id_numbers import mask_id_number
from .pii import PiiKind, PiiReasonForm, mask_account, pii_access_record
from .types import StaffRequest

app_name = "personal_data"


def _case(request: HttpRequest, process_pk: int) -> Process:
    process = Process.objects.filter(pk=process_pk).first()
    if process is None or not case_visible(request.user, process):
        raise Http404("No case matches the given query.")
    return coerce(process)


@never_cache
@require_http_methods(["GET", "POST"])
def case_numbers(request: StaffRequest, process_pk: int) -> HttpResponse:
    process = _case(request, process_pk)
    household = getattr(process, "household", None) if getattr(process, "household_id", None) else None
    members = list(household.members.order_by("pk")) if household is not None else []
    form = PiiReasonForm(request.POST or None)
    revealed = False
    if household is not None and request.method == "POST" and form.is_valid():
        kinds = [PiiKind.ID_NUMBER] + ([PiiKind.BANK_ACCOUNT] if household.bank_account else [])
        fields = ["members.id_number"] + (["household.bank_account"] if household.bank_account else [])
        pii_access_record(
            actor=request.user, case=process, kind=kinds, fields=fields, reason=form.cleaned_data["reason"]
        )
        revealed = True
    rows = [
        {
            "name": m.name,
            "relation": m.get_relation_display(),
            "id_number": m.id_number if revealed else mask_id_number(m.id_number),
        }
        for m in members
    ]
    account = "" if household is None else household.bank_account if revealed else mask_account(household.bank_account)
    # never_cache: the full numbers are not kept by the browser or a proxy (no-store).
    return render(
        request,
        "core/personal_data_case.html",
        {
            "process": process,
            "household": household,
            "rows": rows,
            "account": account,
            "form": form,
            "revealed": revealed,
        },
    )


urlpatterns = [path("case/<int:process_pk>/", case_numbers, name="case")]

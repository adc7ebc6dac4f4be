"""Payment-roll pages: list and generate, one roll (lines masked), freeze, the logged
full-number export, the masked printed copy, returned payments and recovery deductions.
Views validate, call one service, redirect; a refusal is a message, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from workflows.caseload.models import Benefit
from workflows.core.id_numbers import mask_id_number
from workflows.core.pii import mask_account
from workflows.documents.pdf import render_pdf
from workflows.households.models import Household, HouseholdMember

from . import exports, selectors, services
from .forms import DeductionForm, ExportForm, GenerateForm, ReissueForm, ReturnForm
from .models import PaymentRoll, PaymentRollLine


def _errors(request, exc: ValidationError) -> None:
    for m in exc.messages:
        messages.error(request, m)


def _visible_roll(user, pk: int) -> PaymentRoll:
    roll = selectors.rolls_visible_to(user).filter(pk=pk).first()
    if roll is None:
        raise Http404("No roll matches the given query.")
    return roll


@require_GET
def roll_list(request):
    townships = selectors.townships_generating(request.user)
    return render(
        request,
        "payroll/roll_list.html",
        {
            "kind": "payroll",
            "rolls": selectors.rolls_visible_to(request.user)[:120],
            "form": GenerateForm(townships=townships) if townships else None,
        },
    )


@require_POST
def roll_generate(request):
    townships = selectors.townships_generating(request.user)
    form = GenerateForm(request.POST, townships=townships)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("payroll:list")
    township = townships.get(pk=form.cleaned_data["township"])
    try:
        roll = services.roll_generate(township=township, month=form.cleaned_data["month"], actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("payroll:list")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("payroll:list")
    messages.success(
        request, _("已生成 %(month)s 发放名册，共 %(n)s 笔。") % {"month": f"{roll.month:%Y-%m}", "n": roll.line_count}
    )
    return redirect("payroll:detail", roll.pk)


@require_GET
def roll_detail(request, pk: int):
    roll = _visible_roll(request.user, pk)
    page = Paginator(selectors.roll_lines(roll), 100).get_page(request.GET.get("page"))
    for line in page:
        line.masked_id = mask_id_number(line.payee_id_number)
        line.masked_account = mask_account(line.bank_account)
        line.programme_label = exports.programme_label(line.programme)
    return render(
        request,
        "payroll/roll_detail.html",
        {
            "kind": "payroll",
            "roll": roll,
            "page": page,
            "may_freeze": selectors.may_freeze(request.user, roll),
            "may_generate": selectors.may_generate(request.user, roll),
            "may_record_returns": selectors.may_record_returns(request.user, roll),
            "export_form": ExportForm() if roll.is_frozen else None,
        },
    )


def roll_freeze(request, pk: int):
    roll = _visible_roll(request.user, pk)  # 404 outside the user's townships, whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.roll_freeze(roll=roll, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("发放名册已审核冻结，可以导出报送财政部门。"))
    return redirect("payroll:detail", roll.pk)


@require_http_methods(["GET", "POST"])
def roll_export(request, pk: int):
    roll = _visible_roll(request.user, pk)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fmt = form.cleaned_data["format"]
        try:
            services.roll_export_record(roll=roll, fmt=fmt, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            name = f"payroll-{roll.township.code}-{roll.month:%Y-%m}"
            if fmt == "csv":
                response = HttpResponse(exports.roll_csv(roll), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            else:
                response = HttpResponse(
                    exports.roll_xlsx(roll),
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
    return render(request, "payroll/roll_export.html", {"kind": "payroll", "roll": roll, "form": form})


@require_GET
def roll_print(request, pk: int):
    """The printed copy for signatures and filing: ID and account masked."""
    roll = _visible_roll(request.user, pk)
    lines = list(selectors.roll_lines(roll))
    for line in lines:
        line.masked_id = mask_id_number(line.payee_id_number)
        line.masked_account = mask_account(line.bank_account)
        line.programme_label = exports.programme_label(line.programme)
    pdf = render_pdf("pdf/payroll/roll.html", {"roll": roll, "lines": lines})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="payroll-{roll.township.code}-{roll.month:%Y-%m}.pdf"'
    return response


def _visible_line(user, pk: int) -> PaymentRollLine:
    line = PaymentRollLine.objects.select_related("roll").filter(pk=pk).first()
    if line is None or not selectors.rolls_visible_to(user).filter(pk=line.roll_id).exists():
        raise Http404("No line matches the given query.")
    return line


def _line_post(request, pk: int, form_class, required_error, perform, done):
    """A POST about one roll line: 404 outside the user's townships (whatever the method),
    405 for another method; the form's value goes to one service, whose refusal becomes a
    message."""
    line = _visible_line(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = form_class(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(required_error)
        perform(line, form.cleaned_data)
    except ValidationError as exc:
        _errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done(line))
    return redirect("payroll:detail", line.roll_id)


def line_return(request, pk: int):
    return _line_post(
        request, pk, ReturnForm, services.ERR_REASON_REQUIRED,
        lambda line, data: services.line_return(line=line, reason=data["reason"], actor=request.user),
        lambda line: _("已登记退回：%(name)s。更正账户后下月名册重发。") % {"name": line.payee_name},
    )  # fmt: skip


def line_reissue(request, pk: int):
    return _line_post(
        request, pk, ReissueForm, services.ERR_ACCOUNT_REQUIRED,
        lambda line, data: services.line_reissue_ready(line=line, bank_account=data["bank_account"], actor=request.user),
        lambda line: _("账户已更正，下一期名册将重发这笔款项。"),
    )  # fmt: skip


def _deduction_households(user):
    townships = selectors.townships_generating(user)
    return (
        Household.objects.filter(
            pk__in=Benefit.objects.filter(township__in=townships).values("household_id"),
        )
        .prefetch_related(Prefetch("members", queryset=HouseholdMember.objects.order_by("pk")))
        .order_by("pk")
    )


@require_http_methods(["GET", "POST"])
def deductions(request):
    households = _deduction_households(request.user)
    form = DeductionForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.deduction_order(
                household=data["household"],
                amount=data["amount"],
                monthly_cap=data["monthly_cap"],
                reason=data["reason"],
                case_number=data["case_number"],
                actor=request.user,
            )
        except ValidationError as exc:
            _errors(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已登记追回扣减，从下一期名册起扣减。"))
            return redirect("payroll:deductions")
    return render(
        request,
        "payroll/deductions.html",
        {"kind": "payroll", "form": form, "orders": selectors.open_deductions(request.user)},
    )

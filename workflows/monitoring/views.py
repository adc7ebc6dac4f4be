"""Staff pages of the monitoring list (动态监测, LI23; domain.md §8): the township's list, a
signal with its handling forms, the staff report form, the county's department upload and
the county view (every township, plus the ID numbers that matched nobody).

A signal outside the user's regions is 404; the acting right is the service's
(``workflows.core.access``), shown as 403. Each POST view validates, calls one service and
redirects.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from workflows.core import programmes
from workflows.core.access import holds
from workflows.core.models import County
from workflows.core.scope import regions_where, user_scope

# the one UTF-8-with-BOM CSV download of an import's template and error report
from workflows.core.uploads import csv_response as csv_download

from . import batch, selectors, services
from .forms import SOURCE_OF_REPORT, BatchForm, CaseForm, DismissForm, ReferralForm, ReportForm
from .models import Signal, SignalKind

PAGE_SIZE = 50
REPORT_KEY = "monitoring_batch_report"


def _codenames(user) -> set[str]:
    return {codename for _ct, _app, codename, _pk in user_scope(user).object_permissions}


def _require(user, codenames) -> None:
    if not _codenames(user) & set(codenames):
        raise PermissionDenied


def _visible_signal(user, pk: int) -> Signal:
    signal = (
        selectors.signals_visible_to(user)
        .select_related("township", "village", "member", "household", "reported_by", "handled_by", "referral")
        .filter(pk=pk)
        .first()
    )
    if signal is None:
        raise Http404("No signal matches the given query.")
    return signal


@require_GET
def signal_list(request):
    """The monitoring list: the township's signals (county staff: every township's), open ones
    first, overdue ones marked. Constant query count whatever the page holds."""
    _require(request.user, selectors.LIST_CODENAMES)
    status = request.GET.get("status", Signal.Status.OPEN)
    if status not in Signal.Status.values:
        status = ""
    overdue = request.GET.get("overdue") == "on"
    today = timezone.localdate()
    rows = selectors.signal_list(request.user, status=status, overdue=overdue, today=today)
    return render(
        request,
        "monitoring/signal_list.html",
        {
            "kind": "monitoring",
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "overdue": overdue,
            "statuses": Signal.Status.choices,
            "today": today,
            "may_report": bool(_codenames(request.user) & selectors.REPORT_CODENAMES),
            "county_staff": bool(user_scope(request.user).county_ids),
        },
    )


def _intake_links(user, signal: Signal) -> list[tuple[str, str]]:
    """(title, url) of each programme's staff intake the user may open; ``household`` names the
    household so the intake can offer it (the intake forms themselves pick the household)."""
    links = []
    for spec in programmes.all_specs():
        flow_class = spec.flow_class
        node = getattr(flow_class, "start", None)
        if node is None or not node.can_execute(user):
            continue
        try:
            url = reverse(f"cases:{flow_class.instance.flow_label}:start:execute")
        except NoReverseMatch:
            continue
        links.append((str(spec.intake_title), f"{url}?household={signal.household_id}"))
    return links


def _detail(request, signal: Signal, *, status: int = 200, **forms):
    handler = signal.is_open and holds(request.user, "act_case_worker", township=signal.township_id)
    cases = selectors.household_cases(signal.household_id) if handler else []
    since = [p for p in cases if p.created >= signal.received_at]
    context = {
        "kind": "monitoring",
        "signal": signal,
        "today": timezone.localdate(),
        "handler": handler,
        "may_dismiss": handler and signal.reported_by_id != request.user.pk,
        "is_death": signal.kind == SignalKind.DEATH,
        "has_case": bool(cases),
        "intake_links": _intake_links(request.user, signal) if handler else [],
        "case_form": forms.get("case_form") or CaseForm(cases=since),
        "refer_form": forms.get("refer_form") or ReferralForm(),
        "dismiss_form": forms.get("dismiss_form") or DismissForm(),
        "since_cases": since,
    }
    return render(request, "monitoring/signal_detail.html", context, status=status)


def _handling(view):
    """A handling form's POST view, given the signal: 404 outside the user's regions comes
    before 405 for another method, so a URL never tells an outsider the signal exists."""

    @functools.wraps(view)
    def wrapped(request, pk: int):
        signal = _visible_signal(request.user, pk)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, signal)

    return wrapped


@require_GET
def signal_detail(request, pk: int):
    return _detail(request, _visible_signal(request.user, pk))


def _handled(request, signal: Signal):
    messages.success(request, _("预警信息已处置：%(how)s。") % {"how": signal.get_handling_display()})
    return redirect("monitoring:signal", pk=signal.pk)


def _refused(request, signal: Signal, form, exc: ValidationError, name: str):
    for message in exc.messages:
        form.add_error(None, message)
    return _detail(request, signal, status=400, **{name: form})


@_handling
def signal_case(request, signal: Signal):
    cases = [p for p in selectors.household_cases(signal.household_id) if p.created >= signal.received_at]
    form = CaseForm(request.POST, cases=cases)
    if not form.is_valid():
        return _detail(request, signal, status=400, case_form=form)
    chosen = next(p for p in cases if p.pk == form.cleaned_data["process"])
    try:
        signal = services.signal_record_case(signal=signal, process=chosen, actor=request.user)
    except ValidationError as exc:
        return _refused(request, signal, form, exc, "case_form")
    return _handled(request, signal)


@_handling
def signal_recheck(request, signal: Signal):
    try:
        signal = services.signal_recheck_on_death(signal=signal, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("monitoring:signal", pk=signal.pk)
    return _handled(request, signal)


@_handling
def signal_refer(request, signal: Signal):
    form = ReferralForm(request.POST)
    if not form.is_valid():
        return _detail(request, signal, status=400, refer_form=form)
    try:
        signal = services.signal_refer(signal=signal, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _refused(request, signal, form, exc, "refer_form")
    return _handled(request, signal)


@_handling
def signal_dismiss(request, signal: Signal):
    form = DismissForm(request.POST)
    if not form.is_valid():
        return _detail(request, signal, status=400, dismiss_form=form)
    try:
        signal = services.signal_dismiss(signal=signal, reason=form.cleaned_data["reason"], actor=request.user)
    except ValidationError as exc:
        return _refused(request, signal, form, exc, "dismiss_form")
    return _handled(request, signal)


def _home_county(user) -> County | None:
    """The county a report belongs to: the user's county, else the county of their region."""
    scope = user_scope(user)
    if scope.county_ids:
        return County.objects.filter(pk__in=scope.county_ids).order_by("code").first()
    return (
        County.objects.filter(townships__pk__in=scope.township_ids).first()
        or County.objects.filter(townships__villages__pk__in=scope.village_ids).first()
    )


@require_http_methods(["GET", "POST"])
def signal_report(request):
    """A staff member's report (村级报告 and other findings) for a person of their regions."""
    _require(request.user, selectors.REPORT_CODENAMES)
    county = _home_county(request.user)
    if county is None:
        raise PermissionDenied
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.signal_receive(county=county, source=SOURCE_OF_REPORT, actor=request.user,
                                             **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            if isinstance(result, Signal):
                messages.success(
                    request, _("已登记预警信息，处置期限 %(due)s。") % {"due": f"{result.due_on:%Y-%m-%d}"}
                )
                if selectors.signals_visible_to(request.user).filter(pk=result.pk).exists():
                    return redirect("monitoring:signal", pk=result.pk)
            else:
                messages.warning(request, _("本辖区在册人员中没有该身份证号码，已转县级民政部门核查。"))
            return redirect("monitoring:list")
    return render(request, "monitoring/report_form.html", {"kind": "monitoring", "form": form, "county": county})


def _county_of_officer(user) -> County:
    county = regions_where(user, "act_county_officer", County).order_by("code").first()
    if county is None:
        raise PermissionDenied
    return county


@require_http_methods(["GET", "POST"])
def batch_upload(request):
    """A county officer uploads a department's file (all or nothing; see ``batch``)."""
    county = _county_of_officer(request.user)
    form = BatchForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > batch.MAX_BYTES:
                raise ValidationError(_("文件不能超过 %(mb)d MB。") % {"mb": batch.MAX_BYTES // (1024 * 1024)})
            report = batch.signal_batch_upload(
                content=upload.read(), file_name=upload.name, county=county, source=form.cleaned_data["source"],
                actor=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            request.session[REPORT_KEY] = [[p.row, p.column, p.message] for p in report.problems]
            if report.ok:
                messages.success(
                    request,
                    _("已导入 %(rows)d 条：匹配在册人员 %(matched)d 条，未匹配 %(unmatched)d 条（转县级核查）。")
                    % {"rows": report.rows, "matched": report.matched, "unmatched": report.unmatched},
                )
                return redirect("monitoring:county")
    return render(
        request, "monitoring/upload.html",
        {"kind": "monitoring", "form": form, "report": report, "county": county, "columns": batch.COLUMNS},
    )  # fmt: skip


@require_GET
def batch_errors(request):
    """The last upload's problems, one line each: file line, column, reason."""
    _county_of_officer(request.user)
    rows = [[_("行号"), _("列"), _("原因")], *request.session.get(REPORT_KEY, [])]
    return csv_download(rows, "monitoring-upload-errors.csv")


@require_GET
def batch_template(request):
    _county_of_officer(request.user)
    return csv_download([list(batch.COLUMNS)], "monitoring-upload-template.csv")


@require_GET
def county_view(request):
    """Every township's signals in the county (received, handled, open, overdue this year)
    and the unmatched ID numbers (county staff only: never shown to a township)."""
    scope = user_scope(request.user)
    county = County.objects.filter(pk__in=scope.county_ids).order_by("code").first()
    if county is None:
        raise PermissionDenied
    year = timezone.localdate().year
    counts = selectors.county_counts(county, year=year)
    townships = list(county.townships.order_by("code"))
    rows = [(t, counts.get(t.pk, selectors.TownshipMonitoring())) for t in townships]
    unmatched = Paginator(selectors.unmatched_visible_to(request.user).filter(county=county), PAGE_SIZE)
    return render(
        request,
        "monitoring/county.html",
        {
            "kind": "monitoring",
            "county": county,
            "year": year,
            "rows": rows,
            "unmatched": unmatched.get_page(request.GET.get("page")),
            "may_upload": holds(request.user, "act_county_officer", county=county.pk),
        },
    )

"""The caseload import page (issue 17 item 9): upload and check (a dry run that writes
nothing), then confirm the checked file; the empty template and the error report download.

County officers and township approvers only (403 for everybody else); the service decides
which townships a row may name.
"""

from __future__ import annotations

import base64

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from workflows.core.uploads import csv_response

from .services import imports

PREVIEW_SALT = "caseload.import"
PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may be confirmed
REPORT_KEY = "caseload_import_report"


class ImportForm(forms.Form):
    file = forms.FileField(label=_("在保名册文件（CSV 或 XLSX）"))


def _token(*, content: bytes, file_name: str, actor) -> str:
    """A signed, compressed copy of the checked file, so the confirm imports exactly what was previewed."""
    payload = {"u": actor.pk, "n": file_name, "b": base64.b64encode(content).decode("ascii")}
    return signing.dumps(payload, salt=PREVIEW_SALT, compress=True)


def _from_token(token: str, *, actor) -> tuple[bytes, str]:
    try:
        payload = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        raise ValidationError(imports.ERR_PREVIEW_EXPIRED) from None
    if payload.get("u") != actor.pk:
        raise ValidationError(imports.ERR_PREVIEW_EXPIRED)
    return base64.b64decode(payload["b"]), payload["n"]


def _keep_report(request, report: imports.ImportReport) -> None:
    """The last check's problems and differences, for the error report download."""
    request.session[REPORT_KEY] = [
        [p.row, p.column, p.message, kind]
        for kind, items in (("error", report.problems), ("difference", report.differences))
        for p in items
    ]


@require_http_methods(["GET", "POST"])
def caseload_import(request):
    townships = imports.require_import_townships(request.user)
    context = {"columns": list(imports.COLUMNS), "optional": imports.OPTIONAL_COLUMNS, "townships": townships}
    form = ImportForm()
    if request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            content, name = _from_token(request.POST.get("token", ""), actor=request.user)
            report = imports.caseload_import(content=content, file_name=name, dry_run=False, actor=request.user)
        except ValidationError as exc:
            context["confirm_errors"] = exc.messages
        else:
            _keep_report(request, report)
            if report.written:
                messages.success(
                    request,
                    gettext(
                        "导入完成：新纳入 %(new)d 户，已在保未重复导入 %(existing)d 户，金额差异 %(diff)d 户（未修改）。"
                    )
                    % {"new": report.new, "existing": report.existing, "diff": len(report.differences)},
                )
                return redirect("caseload:import")
            context["report"] = report
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > imports.MAX_IMPORT_BYTES:
                    raise ValidationError(
                        imports.ERR_FILE_SIZE, params={"mb": imports.MAX_IMPORT_BYTES // (1024 * 1024)}
                    )
                content = upload.read()
                report = imports.caseload_import(
                    content=content, file_name=upload.name, dry_run=True, actor=request.user
                )
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                _keep_report(request, report)
                context["report"] = report
                if report.ok and report.new:
                    context["token"] = _token(content=content, file_name=upload.name, actor=request.user)
    context["form"] = form
    return render(request, "caseload/import.html", context)


@require_GET
def import_template(request):
    """An empty CSV with the import's header row."""
    imports.require_import_townships(request.user)
    return csv_response([list(imports.COLUMNS)], "caseload-import-template.csv")


@require_GET
def import_errors(request):
    """The last check's report: line, column, reason, and whether it blocks the import."""
    imports.require_import_townships(request.user)
    kinds = {"error": gettext("错误（未导入）"), "difference": gettext("差异（未修改）")}
    rows = [[gettext("行号"), gettext("列"), gettext("原因"), gettext("类型")]]
    rows += [[row, column, message, kinds[kind]] for row, column, message, kind in request.session.get(REPORT_KEY, [])]
    return csv_response(rows, "caseload-import-report.csv")

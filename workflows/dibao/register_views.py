"""Pages of the staff-relative register (MSL 11) for county officers: the list, one line's
form, its removal and the CSV/XLSX import (check first, then confirm).

Township and village staff get 403 on every page; another county's line answers 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from workflows.core.models import Township, Village
from workflows.households.validators import mask_id_number

from . import register
from .models import StaffKinRecord

PAGE_SIZE = 100


class RegisterLineForm(forms.Form):
    county = forms.ModelChoiceField(label=_("县（区）"), queryset=None)
    township = forms.ModelChoiceField(label=_("乡镇（街道）"), queryset=None, required=False)
    village = forms.ModelChoiceField(label=_("村（社区）"), queryset=None, required=False)
    staff_name = forms.CharField(label=_("工作人员姓名"), max_length=50)
    staff_id_number = forms.CharField(label=_("工作人员身份证号码"), max_length=18)
    position = forms.ChoiceField(label=_("职务类别"), choices=StaffKinRecord.Position.choices)
    relation = forms.ChoiceField(
        label=_("关系"), choices=StaffKinRecord.Relation.choices,
        help_text=_("只登记工作人员本人时选“本人”，不填写亲属信息。"),
    )  # fmt: skip
    relative_name = forms.CharField(label=_("亲属姓名"), max_length=50, required=False)
    relative_id_number = forms.CharField(label=_("亲属身份证号码"), max_length=18, required=False)

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        self.fields["township"].queryset = Township.objects.filter(county__in=counties)
        self.fields["village"].queryset = Village.objects.filter(township__county__in=counties)
        if counties.count() == 1:
            self.fields["county"].initial = counties.first()

    def line(self) -> register.RegisterLineInput:
        d = self.cleaned_data
        return register.RegisterLineInput(
            county=d["county"], township=d.get("township"), village=d.get("village"), staff_name=d["staff_name"],
            staff_id_number=d["staff_id_number"], position=d["position"], relation=d["relation"],
            relative_name=d.get("relative_name") or "", relative_id_number=d.get("relative_id_number") or "",
        )  # fmt: skip

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            for message in exc.messages:
                self.add_error(None, message)


class ImportForm(forms.Form):
    county = forms.ModelChoiceField(label=_("县（区）"), queryset=None)
    file = forms.FileField(label=_("名录文件（CSV 或 XLSX）"))

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        if counties.count() == 1:
            self.fields["county"].initial = counties.first()


@require_GET
def register_list(request):
    register.require_officer_counties(request.user)
    page = Paginator(register.register_lines(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    # Screens identify without revealing: ID numbers masked in the list and on a line's form.
    lines = [(line, mask_id_number(line.staff_id_number) if line.staff_id_number else "",
              mask_id_number(line.relative_id_number) if line.relative_id_number else "")
             for line in page]  # fmt: skip
    return render(request, "dibao/staff_relatives_register.html", {"lines": lines, "page": page})


def _line_initial(line: StaffKinRecord) -> dict:
    return {
        "county": line.county, "township": line.township, "village": line.village, "staff_name": line.staff_name,
        "staff_id_number": line.staff_id_number, "position": line.position, "relation": line.relation,
        "relative_name": line.relative_name, "relative_id_number": line.relative_id_number,
    }  # fmt: skip


ID_FIELDS = ("staff_id_number", "relative_id_number")


def _masked_initial(record: StaffKinRecord) -> dict:
    """The line's form shows ID numbers masked too (PIPL, workflows/core/pii.py): editing
    a line never needs the full number on screen; a new number is typed in full."""
    initial = _line_initial(record)
    for name in ID_FIELDS:
        initial[name] = mask_id_number(initial[name]) if initial[name] else ""
    return initial


def _unmasked(data, record: StaffKinRecord | None):
    """A masked number sent back unchanged means "keep the stored one"."""
    if record is None or data is None:
        return data
    data = data.copy()
    for name in ID_FIELDS:
        stored = getattr(record, name)
        if stored and data.get(name) == mask_id_number(stored):
            data[name] = stored
    return data


def _line_form_page(request, record: StaffKinRecord | None):
    counties = register.require_officer_counties(request.user)
    data = _unmasked(request.POST or None, record)
    form = RegisterLineForm(data, counties=counties, initial=_masked_initial(record) if record else None)
    if request.method == "POST" and form.is_valid():
        try:
            register.staff_register_line_save(line=form.line(), record=record, actor=request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, gettext("名录已保存。"))
            return redirect("dibao:staff_register")
    return render(request, "dibao/staff_relatives_line.html", {"form": form, "record": record})


@require_http_methods(["GET", "POST"])
def register_line_new(request):
    return _line_form_page(request, None)


@require_http_methods(["GET", "POST"])
def register_line_edit(request, pk: int):
    return _line_form_page(request, register.register_line_for(request.user, pk))


@require_http_methods(["GET", "POST"])
def register_line_delete(request, pk: int):
    record = register.register_line_for(request.user, pk)
    if request.method == "POST":
        register.staff_register_line_delete(record=record, actor=request.user)
        messages.success(request, gettext("名录中的该条登记已删除。"))
        return redirect("dibao:staff_register")
    return render(request, "dibao/staff_relatives_delete.html", {"record": record})


@require_http_methods(["GET", "POST"])
def register_import(request):
    """Upload and check (``preview``), then ``confirm`` the checked file."""
    counties = register.require_officer_counties(request.user)
    context = {"columns": list(register.COLUMNS)}
    form = ImportForm(counties=counties)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            county, content, name = register.preview_from_token(request.POST.get("token", ""), actor=request.user)
            report = register.staff_register_import(
                county=county, content=content, file_name=name, confirm=True, actor=request.user
            )
        except ValidationError as exc:
            context["confirm_errors"] = exc.messages
        else:
            if report.written:
                messages.success(
                    request,
                    gettext("导入完成：新增 %(new)d 条，更新 %(updated)d 条，未变化 %(unchanged)d 条。")
                    % {"new": report.new, "updated": report.updated, "unchanged": report.unchanged},
                )
                return redirect("dibao:staff_register")
            context.update(report=report, county=county)
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES, counties=counties)
        if form.is_valid():
            county, upload = form.cleaned_data["county"], form.cleaned_data["file"]
            try:
                if upload.size > register.MAX_IMPORT_BYTES:
                    raise ValidationError(register.ERR_FILE_SIZE % {"mb": register.MAX_IMPORT_BYTES // (1024 * 1024)})
                content = upload.read()
                report = register.staff_register_import(
                    county=county, content=content, file_name=upload.name, confirm=False, actor=request.user
                )
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                context.update(report=report, county=county)
                if report.ok:
                    context["token"] = register.preview_token(
                        county=county, content=content, file_name=upload.name, actor=request.user
                    )
    context["form"] = form
    return render(request, "dibao/staff_relatives_import.html", context)


@require_GET
def register_import_template(request):
    """An empty CSV with the import's header row (UTF-8 with BOM, so spreadsheets read Chinese)."""
    register.require_officer_counties(request.user)
    response = HttpResponse(("\ufeff" + ",".join(register.COLUMNS) + "\r\n").encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="staff-register-template.csv"'
    return response

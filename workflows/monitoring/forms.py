from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.cooperation.forms import ReferralForm

from .models import DEPARTMENT_SOURCES, SignalKind, SignalSource

__all__ = ["BatchForm", "CaseForm", "DismissForm", "ReferralForm", "ReportForm"]


class ReportForm(forms.Form):
    """A staff or village assistant's report (村级报告 and the like)."""

    id_number = forms.CharField(label=_("身份证号码"), max_length=20)
    person_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("预警类别"), choices=[("", "---------"), *SignalKind.choices])
    occurred_on = forms.DateField(label=_("发生日期"), help_text=_("格式：YYYY-MM-DD"))
    details = forms.CharField(
        label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text=_("写明发现的情况，例如住院费用、收入变化的原因。"),
    )  # fmt: skip


class BatchForm(forms.Form):
    source = forms.ChoiceField(
        label=_("提供数据的部门"), choices=[("", "---------"), *[(s.value, s.label) for s in DEPARTMENT_SOURCES]]
    )
    file = forms.FileField(label=_("部门数据文件（CSV 或 XLSX）"))


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("无需处置的理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False,
        help_text=_("写明核实的情况和不需要救助的原因。"),
    )  # fmt: skip


class CaseForm(forms.Form):
    """The case the township filed for the household since the signal arrived."""

    process = forms.TypedChoiceField(label=_("受理的案件"), coerce=int)

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].choices = [("", "---------")] + [
            (p.pk, f"{p.case_number or p.pk} · {p.created:%Y-%m-%d}") for p in cases
        ]


SOURCE_OF_REPORT = SignalSource.STAFF

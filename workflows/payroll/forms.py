from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.core.pii import PiiReasonForm
from workflows.households.models import Household

ERR_MONTH = _("请按“年-月”填写月份，例如 2026-12。")


class MonthField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value.strip()[:7], "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError(ERR_MONTH, code="month") from exc


class GenerateForm(forms.Form):
    township = forms.TypedChoiceField(label=_("乡镇（街道）"), coerce=int)
    month = MonthField(label=_("发放月份"), widget=forms.TextInput(attrs={"type": "month"}))

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(t.pk, t.name) for t in townships]


class ExportForm(PiiReasonForm):
    format = forms.ChoiceField(label=_("格式"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200)


class ReissueForm(forms.Form):
    bank_account = forms.CharField(label=_("更正后的收款账户"), max_length=40)


class DeductionForm(forms.Form):
    household = forms.ModelChoiceField(label=_("家庭"), queryset=Household.objects.none())
    amount = forms.DecimalField(label=_("应扣减金额（元）"), max_digits=12, decimal_places=2, min_value=0.01)
    monthly_cap = forms.DecimalField(
        label=_("每月最多扣减（元）"), max_digits=12, decimal_places=2, min_value=0.01, required=False
    )
    case_number = forms.CharField(label=_("相关案件编号"), max_length=32, required=False)
    reason = forms.CharField(label=_("扣减依据（追回决定）"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        if households is not None:
            self.fields["household"].queryset = households

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AppealKind, Outcome

DATE = forms.DateInput(attrs={"type": "date"})


class AppealForm(forms.Form):
    letter = forms.TypedChoiceField(label=_("被申请的决定书"), coerce=int, widget=forms.RadioSelect)
    kind = forms.ChoiceField(label=_("救济途径"), choices=AppealKind.choices)
    body = forms.CharField(label=_("复议机关或人民法院"), max_length=100)
    delivered_on = forms.DateField(label=_("决定书送达日期"), widget=DATE)
    filed_on = forms.DateField(label=_("申请（起诉）日期"), widget=DATE)
    claims = forms.CharField(label=_("请求事项和理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, letters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"].choices = [(d.pk, f"{d.get_kind_display()}（{d.created_at:%Y-%m-%d}）") for d in letters]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结果"), choices=Outcome.choices)
    outcome_on = forms.DateField(label=_("结果日期"), widget=DATE)
    amount = forms.DecimalField(
        label=_("改定后的每月金额（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("仅在“变更原决定”时填写"),
    )
    text = forms.CharField(label=_("结果说明（文书号、主要内容）"), widget=forms.Textarea(attrs={"rows": 3}))


class RedecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("重新决定结论"),
        choices=[("1", _("确认享受")), ("0", _("不予确认"))],
        coerce=lambda v: v == "1",
    )
    monthly_amount = forms.DecimalField(
        label=_("每月金额（元）"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    amount = forms.DecimalField(
        label=_("临时救助金额（元）"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("仅临时救助填写；不得超过乡镇审批限额，超过的须报县民政局审批"),
    )
    reasons = forms.CharField(label=_("决定理由"), widget=forms.Textarea)

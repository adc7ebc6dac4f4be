from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.households.models import Household

from .models import Cause, Kind, Payment

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.01")}


class OpenCaseForm(forms.Form):
    household = forms.ModelChoiceField(label=_("家庭"), queryset=Household.objects.none())
    kind = forms.ChoiceField(label=_("救助类型"), choices=Kind.choices)
    cause = forms.ChoiceField(label=_("事由类别"), choices=Cause.choices)
    event_date = forms.DateField(label=_("事件发生日期"), widget=forms.DateInput(attrs={"type": "date"}))
    cause_detail = forms.CharField(label=_("情况说明"), widget=forms.Textarea)
    requested_amount = forms.DecimalField(label=_("申请金额（元）"), **MONEY)
    assist_first = forms.BooleanField(label=_("先行救助（急难型，当日发放，事后补办）"), required=False)
    major_hardship = forms.BooleanField(label=_("重大困难，提请一事一议"), required=False)
    repeat_reason = forms.CharField(label=_("再次申请的新理由"), widget=forms.Textarea, required=False)

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.filter(township__in=townships).select_related("village")


class AssistFirstPayForm(forms.Form):
    amount = forms.DecimalField(label=_("先行发放金额（元）"), **MONEY)


class CompletePaperworkForm(forms.Form):
    registration = forms.BooleanField(label=_("已补办申请登记"), required=False)
    signatures = forms.BooleanField(label=_("已补齐申请人和经办人签字"), required=False)
    check_done = forms.BooleanField(label=_("已完成事后核对"), required=False)
    note = forms.CharField(label=_("备注"), widget=forms.Textarea, required=False)


class EscalationForm(forms.Form):
    note = forms.CharField(label=_("督办意见"), widget=forms.Textarea)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结论"), choices=[("1", _("批准")), ("0", _("不予救助"))], coerce=lambda v: v == "1"
    )
    amount = forms.DecimalField(label=_("批准金额（元）"), required=False, **MONEY)
    first_payment = forms.DecimalField(
        label=_("本次发放金额（元）"), required=False, help_text=_("留空则一次发放全部批准金额。"), **MONEY
    )
    reason = forms.CharField(label=_("审批意见 / 不予救助理由"), widget=forms.Textarea, required=False)


class CaseByCaseForm(DecisionForm):
    meeting_date = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    participants = forms.CharField(label=_("参会人员（用顿号或逗号分隔）"), widget=forms.Textarea)


class PayInstallmentForm(forms.Form):
    amount = forms.DecimalField(label=_("本次发放金额（元）"), **MONEY)


class PaymentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("第 %(seq)s 次 · %(date)s · %(source)s · %(amount)s 元 · 可冲销 %(left)s 元") % {
            "seq": obj.seq,
            "date": obj.paid_at.date().isoformat(),
            "source": obj.get_source_display(),
            "amount": f"{obj.amount:,.2f}",
            "left": f"{obj.amount - obj.reversed_amount:,.2f}",
        }


class PaymentReverseForm(forms.Form):
    """Reverse (part of) one payment of the case (TA18 3(3)); the service re-checks everything under lock."""

    payment = PaymentChoiceField(label=_("发放记录"), queryset=Payment.objects.none())
    amount = forms.DecimalField(label=_("冲销金额（元）"), **MONEY)
    reason = forms.CharField(
        label=_("冲销理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("冲销必须写明理由。")},
    )

    def __init__(self, *args, payments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment"].queryset = Payment.objects.filter(pk__in=[p.pk for p in payments]).order_by("seq")

    def clean(self):
        from .services import ERR_REVERSE_TOO_MUCH

        data = super().clean()
        payment, amount = data.get("payment"), data.get("amount")
        if payment is not None and amount is not None:
            left = payment.amount - payment.reversed_amount
            if amount > left:
                self.add_error("amount", ERR_REVERSE_TOO_MUCH % {"amount": f"{amount:,.2f}", "left": f"{left:,.2f}"})
        return data

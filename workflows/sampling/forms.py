from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Finding


class ReviewForm(forms.Form):
    finding = forms.ChoiceField(label=_("抽查结论"), choices=Finding.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("抽查意见 / 撤销理由"), widget=forms.Textarea, required=False)
    instructions = forms.CharField(label=_("整改要求（责令纠正时填写）"), widget=forms.Textarea, required=False)


class CorrectionForm(forms.Form):
    report = forms.CharField(label=_("整改情况"), widget=forms.Textarea)


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=_("期间起"))
    period_end = forms.DateField(label=_("期间止"))

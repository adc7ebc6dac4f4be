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


class DrawForm(forms.Form):
    """One ended, undrawn period of the county (``services.due_periods``), drawn at the reviewer's click."""

    period = forms.ChoiceField(label=_("抽查期间"))

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = {start.isoformat(): (start, end) for start, end in periods}
        self.fields["period"].choices = [
            (key, f"{start:%Y-%m-%d} – {end:%Y-%m-%d}") for key, (start, end) in self.periods.items()
        ]

    def clean_period(self) -> tuple:
        return self.periods[self.cleaned_data["period"]]

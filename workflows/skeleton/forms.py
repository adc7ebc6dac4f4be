from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.core.models import Village


class OpenCaseForm(forms.Form):
    village = forms.ModelChoiceField(label=_("村（社区）"), queryset=Village.objects.none())
    summary = forms.CharField(label=_("事由"), max_length=200)

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.filter(township__in=townships).select_related("township")


class ReviewForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=_("审核结论"),
        choices=[("1", _("通过")), ("0", _("不通过"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("审核意见"), widget=forms.Textarea, required=False)

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.core.pii import clean_reason


class HistoryQueryForm(forms.Form):
    """?at=<seq> (state as of) and ?from=&to= (diff of two points)."""

    at = forms.IntegerField(label=_("截至事件"), min_value=1, required=False)
    from_seq = forms.IntegerField(label=_("从事件"), min_value=1, required=False)
    to_seq = forms.IntegerField(label=_("到事件"), min_value=1, required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"at": data.get("at"), "from_seq": data.get("from"), "to_seq": data.get("to")}
        super().__init__(data, **kwargs)


ERR_REASON_REQUIRED = _("导出完整案卷（含完整身份证号码）须填写事由。")


class FullExportForm(forms.Form):
    """The auditor's reason for the full (unmasked) case file; recorded with the export."""

    reason = forms.CharField(
        label=_("导出事由"),
        max_length=300,
        error_messages={"required": ERR_REASON_REQUIRED},
        widget=forms.TextInput(attrs={"placeholder": _("例如：审计通知书编号及核查事项")}),
    )

    def clean_reason(self):
        # One rule for every reason given before personal data is shown in full.
        return clean_reason(self.cleaned_data["reason"])

from django import forms
from django.utils.translation import gettext_lazy as _


class HistoryQueryForm(forms.Form):
    """?at=<seq> (state as of) and ?from=&to= (diff of two points)."""

    at = forms.IntegerField(label=_("截至事件"), min_value=1, required=False)
    from_seq = forms.IntegerField(label=_("从事件"), min_value=1, required=False)
    to_seq = forms.IntegerField(label=_("到事件"), min_value=1, required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"at": data.get("at"), "from_seq": data.get("from"), "to_seq": data.get("to")}
        super().__init__(data, **kwargs)

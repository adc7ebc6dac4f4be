from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .sources import Source, source_kind


class ObtainDocumentsForm(forms.Form):
    """One group of fields per unavailable source: the figures from the document and what it is."""

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = list(sources)
        for source in self.sources:
            label = Source(source).label
            kind = source_kind(source)
            if kind == "income":
                self.fields[f"{source}_amount"] = forms.DecimalField(
                    label=_("%(source)s：书面材料显示的家庭月收入（元/月）") % {"source": label},
                    min_value=Decimal("0"), max_digits=12, decimal_places=2,
                )  # fmt: skip
            elif kind == "asset":
                self.fields[f"{source}_count"] = forms.IntegerField(
                    label=_("%(source)s：项数（套/辆/户/个账户）") % {"source": label}, min_value=0
                )
                self.fields[f"{source}_amount"] = forms.DecimalField(
                    label=_("%(source)s：价值合计（元）") % {"source": label},
                    min_value=Decimal("0"), max_digits=12, decimal_places=2,
                )  # fmt: skip
            else:
                self.fields[f"{source}_confirmed"] = forms.BooleanField(
                    label=_("%(source)s：家庭成员户籍信息与申报一致") % {"source": label}, required=False
                )
            self.fields[f"{source}_note"] = forms.CharField(
                label=_("%(source)s：材料名称、出具单位和日期") % {"source": label}, max_length=500
            )

    def per_source(self):
        """[(source, {"amount"|"count"|"confirmed": ..., "note": ...}), ...] from cleaned data."""
        out = []
        for source in self.sources:
            data = {"note": self.cleaned_data[f"{source}_note"]}
            for key in ("amount", "count", "confirmed"):
                if f"{source}_{key}" in self.cleaned_data:
                    data[key] = self.cleaned_data[f"{source}_{key}"]
            out.append((source, data))
        return out

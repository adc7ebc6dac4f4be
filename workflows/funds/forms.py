from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.core.models import Township

from .models import FundEntry


class CreditForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[(FundEntry.Kind.ALLOCATION, _("年度拨付")), (FundEntry.Kind.REPLENISHMENT, _("补充"))],
    )
    township = forms.ModelChoiceField(label=_("乡镇（街道）"), queryset=Township.objects.none())
    budget_year = forms.IntegerField(label=_("预算年度"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("依据/事由"), max_length=300)

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships

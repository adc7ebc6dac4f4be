"""The change-decision form of the benefit page (MSL 32)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import COUNTY_GROUNDS, SYSTEM_GROUNDS, ChangeKind, Ground, RecheckOutcome

#: Changes a township approver decides on the page (opening is the approval's; the end of
#: a phase-out is the engine's).
DECIDED_KINDS = [
    (k.value, k.label)
    for k in (ChangeKind.INCREASE, ChangeKind.REDUCE, ChangeKind.SUSPEND, ChangeKind.RESUME, ChangeKind.STOP)
]
TOWNSHIP_GROUNDS = [
    (g.value, g.label)
    for g in Ground
    if g not in COUNTY_GROUNDS | SYSTEM_GROUNDS and g not in (Ground.APPROVED, Ground.MIGRATED)
]


class BenefitChangeForm(forms.Form):
    benefit = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("变更类别"), choices=DECIDED_KINDS)
    ground = forms.ChoiceField(label=_("变更依据（MSL 32）"), choices=TOWNSHIP_GROUNDS)
    new_amount = forms.DecimalField(
        label=_("新的月保障金额（元）"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text=_("仅增发、减发时填写。"),
    )
    reasons = forms.CharField(
        label=_("书面理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一条，将写入变更决定书。"),
    )


class RecheckCheckForm(forms.Form):
    """Request the re-check's finance check, recording the check authorisations each adult
    signed for it (MSL 9, 31): the one signed with the application does not count."""

    signed = forms.TypedMultipleChoiceField(
        label=_("已在复核启动后重新签署核对授权书的成年成员"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    signed_on = forms.DateField(label=_("授权书签署日期"))

    def __init__(self, *args, adults=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed"].choices = [(m.pk, m.name) for m in adults]


class RecheckVisitForm(forms.Form):
    visited_on = forms.DateField(label=_("入户日期"))
    findings = forms.CharField(label=_("入户核查情况"), widget=forms.Textarea(attrs={"rows": 2}))


class RecheckDecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("复核结论"), choices=[(o.value, o.label) for o in RecheckOutcome if o != RecheckOutcome.OPEN]
    )
    ground = forms.ChoiceField(label=_("变更依据（MSL 32）"), choices=[("", "—"), *TOWNSHIP_GROUNDS], required=False)
    new_amount = forms.DecimalField(
        label=_("新的月保障金额（元）"), required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    reasons = forms.CharField(label=_("书面理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class HouseholdEventForm(forms.Form):
    event = forms.ChoiceField(
        label=_("登记事项"), choices=[("death", _("家庭成员死亡")), ("income_change", _("报告收入变化"))]
    )
    event_on = forms.DateField(label=_("事件日期"))

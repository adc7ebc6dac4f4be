from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Department, Need, Participant, Referral
from .services import MAX_ANSWER_WORKING_DAYS, REFERRAL_ANSWER_WORKING_DAYS, ActionInput


class ReferralForm(forms.Form):
    department = forms.ChoiceField(label=_("转介事项"), choices=[("", "---------"), *Department.choices])
    need = forms.CharField(
        label=_("需要的帮助"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text=_("写明家庭的困难和希望该部门给予的帮助。"),
    )  # fmt: skip
    answer_working_days = forms.IntegerField(
        label=_("答复期限（工作日）"), min_value=1, max_value=MAX_ANSWER_WORKING_DAYS,
        initial=REFERRAL_ANSWER_WORKING_DAYS,
    )  # fmt: skip


class AnswerForm(forms.Form):
    answered_by = forms.CharField(label=_("部门答复人"), max_length=64, help_text=_("答复部门及答复人姓名。"))
    answered_on = forms.DateField(label=_("部门答复日期"))
    outcome = forms.ChoiceField(label=_("答复结果"), choices=[("", "---------"), *Referral.Outcome.choices])
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ConferenceForm(forms.Form):
    held_on = forms.DateField(label=_("会商日期"))
    departments = forms.MultipleChoiceField(label=_("参会部门"), choices=Participant.choices)
    participants = forms.CharField(
        label=_("参会人员"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        help_text=_("姓名、单位和职务。"),
    )  # fmt: skip
    needs = forms.MultipleChoiceField(label=_("困难需求"), choices=Need.choices, required=False)
    decision = forms.CharField(label=_("会商决定"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class ActionForm(forms.Form):
    description = forms.CharField(label=_("后续事项"), max_length=500, required=False)
    owner = forms.CharField(label=_("责任单位/责任人"), max_length=100, required=False)
    due_on = forms.DateField(label=_("完成期限"), required=False)

    def action(self) -> ActionInput | None:
        """The follow-up typed in this row, or None for an empty row."""
        data = self.cleaned_data
        if not (data.get("description") or data.get("owner") or data.get("due_on")):
            return None
        return ActionInput(
            description=data.get("description", ""), owner=data.get("owner", ""), due_on=data.get("due_on")
        )


ActionFormSet = forms.formset_factory(ActionForm, extra=3, max_num=10)


class CloseForm(forms.Form):
    closing_note = forms.CharField(label=_("办结情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

"""Forms of the dibao / 特困 task nodes, from acceptance to the check objection."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.models import County, Township
from workflows.core.programmes import Programme

from .. import services
from ..models import ExtensionReason, ObjectionRoute
from .common import _users_with

# --- task forms -----------------------------------------------------------------
MATERIAL_CHOICES = [(k, v) for k, v in services.MATERIALS.items()]


class AcceptForm(forms.Form):
    """Acceptance. The deadline wording follows the programme: dibao counts 20/30
    working days to the decision and may be extended to 45 (MSL 22); 特困 counts per
    stage (TK 13, 15, 16) whether delegated or not, and has no 45-day extension."""

    missing = forms.MultipleChoiceField(
        label=_("缺少的材料（一次性全部列出）"),
        choices=MATERIAL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    delegated = forms.BooleanField(label=_("乡镇受县级委托审核确认（20 个工作日）"), required=False, initial=True)
    extension_reason = forms.ChoiceField(
        label=_("延期事由（45 个工作日）"),
        choices=[("", "---"), *[(c, label) for c, label in ExtensionReason.choices if c != "objection"]],
        required=False,
    )

    def __init__(self, *args, programme: str = Programme.DIBAO, **kwargs):
        super().__init__(*args, **kwargs)
        policy = programmes.spec(programme).deadlines
        if policy.staged:
            self.fields["delegated"].label = _("乡镇受县级委托审核确认")
            self.fields["delegated"].help_text = _(
                "特困人员认定的期限不因委托而改变：受理后 15 个工作日内提出初审意见（TK 13），"
                "公示结束后 10 个工作日内作出决定（TK 16）。"
            )
        else:
            self.fields["delegated"].help_text = _("未受委托的，自受理之日起 30 个工作日内作出决定（MSL 22）。")
        if not policy.extendable:
            del self.fields["extension_reason"]

    def clean(self):
        data = super().clean()
        data.setdefault("extension_reason", "")
        return data


class CompleteMaterialsForm(forms.Form):
    received = forms.MultipleChoiceField(
        label=_("已收到的材料"), choices=MATERIAL_CHOICES, widget=forms.CheckboxSelectMultiple
    )


class StaffChoiceField(forms.ModelChoiceField):
    """Staff are chosen by the name people know them by, not their login (issue 14 §2).
    Staff in ``flagged`` are named with ``flag`` (e.g. an approver chosen as investigator)."""

    flagged: frozenset[int] = frozenset()
    flag = ""

    def label_from_instance(self, obj):
        name = obj.get_full_name() or obj.username
        return f"{name}（{self.flag}）" if obj.pk in self.flagged else name


APPROVER_FLAG = _("审批人员：选为调查人后不能签批本案")
WARN_APPROVER_INVESTIGATOR = _(
    "%(name)s 是审批人员。按职责分离规定，调查人不能签批本案件（初审、审核确认环节须由其他审批人员办理）。"
    "如确需由其调查，请勾选下方的确认。"
)


class HomeVisitForm(forms.Form):
    investigator_1 = StaffChoiceField(label=_("调查人一"), queryset=get_user_model().objects.none())
    investigator_2 = StaffChoiceField(label=_("调查人二"), queryset=get_user_model().objects.none())
    visited_on = forms.DateField(label=_("调查日期"))
    findings = forms.CharField(label=_("调查情况"), widget=forms.Textarea)
    family_signatories = forms.CharField(label=_("在场家庭成员签字"), max_length=200)
    tekun_confirmed = forms.BooleanField(label=_("核实符合特困条件（TK 4-8）"), required=False)
    confirm_approver_investigator = forms.BooleanField(
        label=_("我已知悉：所选调查人中有审批人员，其将不能签批本案件（职责分离）"), required=False
    )

    def __init__(self, *args, process, county=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.approver_ids: frozenset[int] = frozenset()
        if county:
            qs = _users_with("act_county_officer", County.objects.get(pk=process.county_id))
        else:
            township = Township.objects.get(pk=process.township_id)
            approvers = _users_with("act_approver", township)
            # An investigator may not sign the case (workflows.core.separation; DibaoProcess.
            # excluded_actor_ids): choosing an approver is allowed, but said (issue 14 §2).
            self.approver_ids = frozenset(approvers.values_list("pk", flat=True))
            qs = _users_with("act_case_worker", township) | approvers
        for name in ("investigator_1", "investigator_2"):
            self.fields[name].queryset = qs.distinct()
            self.fields[name].flagged, self.fields[name].flag = self.approver_ids, APPROVER_FLAG
        if not self.approver_ids:
            del self.fields["confirm_approver_investigator"]
        if not process.spec.intake.confirmed_by_home_visit:
            del self.fields["tekun_confirmed"]

    def clean(self):
        data = super().clean()
        a, b = data.get("investigator_1"), data.get("investigator_2")
        if a and b and a.pk == b.pk:
            self.add_error("investigator_2", services.ERR_INVESTIGATORS_DISTINCT)
        if not data.get("confirm_approver_investigator"):
            for name in ("investigator_1", "investigator_2"):
                user = data.get(name)
                if user is not None and user.pk in self.approver_ids and name not in self.errors:
                    self.add_error(name, WARN_APPROVER_INVESTIGATOR % {"name": user.get_full_name() or user.username})
        return data


class ReinvestigateForm(HomeVisitForm):
    resolution = forms.CharField(label=_("异议核实结论"), widget=forms.Textarea)


class ProposeForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("初审意见"), choices=[("1", _("拟确认享受")), ("0", _("拟不予确认"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("意见说明"), widget=forms.Textarea)


class ObjectionRouteForm(forms.Form):
    route = forms.ChoiceField(label=_("异议处理方式"), choices=ObjectionRoute.choices)


class AppraisalForm(forms.Form):
    held_on = forms.DateField(label=_("评议日期"))
    participants = forms.IntegerField(label=_("参加人数"), min_value=1)
    votes_for = forms.IntegerField(label=_("同意票"), min_value=0)
    votes_against = forms.IntegerField(label=_("反对票"), min_value=0)
    conclusion = forms.CharField(label=_("评议结论"), widget=forms.Textarea)


class SignForm(forms.Form):
    opinion = forms.CharField(label=_("签字意见"), widget=forms.Textarea)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审核确认"), choices=[("1", _("确认享受")), ("0", _("不予确认"))], coerce=lambda v: v == "1"
    )
    reasons = forms.CharField(label=_("不予确认理由（每行一条）"), widget=forms.Textarea, required=False)

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not (data.get("reasons") or "").strip():
            self.add_error("reasons", services.ERR_REFUSAL_NEEDS_REASON)
        return data

    def reason_list(self) -> list[str]:
        return [r.strip() for r in (self.cleaned_data.get("reasons") or "").splitlines() if r.strip()]


class ObjectionForm(forms.Form):
    anonymous = forms.BooleanField(label=_("匿名反映"), required=False)
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    contact = forms.CharField(label=_("联系方式"), max_length=50, required=False)
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea)


class TerminateForm(forms.Form):
    """Ending the review because the applicant refuses to cooperate without reason (MSL 29)."""

    reason = forms.CharField(
        label=_("终止理由"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_("写明申请人拒不配合的具体情形及告知经过（例如：两次书面通知入户调查，均无正当理由拒绝）。"),
    )
    confirm = forms.BooleanField(
        label=_("我确认申请人无正当理由拒不配合，决定终止本次审核确认程序。"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class CheckObjectionForm(forms.Form):
    """The applicant's objection to a failed data check, with evidence (MSL 18)."""

    statement = forms.CharField(label=_("异议理由"), widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}))
    evidence = forms.FileField(
        label=_("证明材料"),
        help_text=_("PDF、JPG 或 PNG，不超过 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )

    def clean_evidence(self):
        upload = self.cleaned_data["evidence"]
        services.validate_upload(upload)
        return upload

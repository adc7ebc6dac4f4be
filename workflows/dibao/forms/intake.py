"""The intake forms (低保, 特困, 低收入): the application page without its member rows."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.models import Township, Village
from workflows.core.models.rules import Area
from workflows.core.programmes import Programme

from .. import services
from ..models import Attachment, StaffKinRecord, tekun_criteria_met
from .common import bootstrap_widgets


# --- intake ---------------------------------------------------------------------
class ApplicationForm(forms.Form):
    programme = Programme.DIBAO
    village = forms.ModelChoiceField(label=_("村（社区）"), queryset=Village.objects.none())
    area = forms.ChoiceField(label=_("户籍类别"), choices=Area.choices)
    address = forms.CharField(label=_("家庭住址"), max_length=200)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    bank_account = forms.CharField(label=_("收款账户"), max_length=40, required=False)
    deposits = forms.DecimalField(
        label=_("家庭存款合计（元）"), min_value=Decimal("0"), decimal_places=2, max_digits=12, initial=Decimal("0")
    )
    entrustment_note = forms.CharField(label=_("委托情况说明"), max_length=200, required=False)
    declares_staff_relative = forms.BooleanField(
        label=_("家庭成员是经办人员或村（居）委会成员的近亲属"), required=False
    )
    staff_relative_staff_name = forms.CharField(label=_("相关工作人员姓名"), max_length=50, required=False)
    staff_relative_member_name = forms.CharField(label=_("近亲属（家庭成员）姓名"), max_length=50, required=False)
    staff_relative_relation = forms.ChoiceField(
        label=_("亲属关系"), choices=[("", "---"), *StaffKinRecord.Relation.choices], required=False
    )
    staff_relative_position = forms.ChoiceField(
        label=_("工作人员类别"), choices=[("", "---"), *StaffKinRecord.Position.choices], required=False
    )
    single_person_name = forms.CharField(
        label=_("申请参照单人户单独纳入低保的成员姓名（选填）"),
        max_length=50,
        required=False,
        help_text=_("家庭中的重度残疾人或重病患者可依申请单独纳入低保；是否符合由县（区）单人户规则和核对结果认定。"),
    )
    upload_application = forms.FileField(label=_("书面申请书（PDF/JPG/PNG，≤5MB）"))
    upload_id_cards = forms.FileField(label=_("身份证、户口簿"), required=False)
    upload_income_proof = forms.FileField(label=_("收入证明"), required=False)
    upload_entrustment = forms.FileField(label=_("委托书（协理员代为申请时必交）"), required=False)

    UPLOAD_FIELDS = {
        "upload_application": Attachment.Kind.APPLICATION,
        "upload_id_cards": Attachment.Kind.ID_CARDS,
        "upload_income_proof": Attachment.Kind.INCOME_PROOF,
        "upload_entrustment": Attachment.Kind.ENTRUSTMENT,
    }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not programmes.spec(self.programme).intake.single_person_household:
            del self.fields["single_person_name"]  # 单人户 is a dibao rule (domain.md §8)
        bootstrap_widgets(self)
        from workflows.core.scope import regions_where

        townships = regions_where(user, "act_case_worker", Township)
        villages = regions_where(user, "act_village_assistant", Village)
        self.fields["village"].queryset = (
            Village.objects.filter(township__in=townships) | Village.objects.filter(pk__in=villages)
        ).select_related("township")

    def _clean_upload(self, name):
        upload = self.cleaned_data.get(name)
        if upload:
            services.validate_upload(upload)
        return upload

    def clean_upload_application(self):
        return self._clean_upload("upload_application")

    def clean_upload_id_cards(self):
        return self._clean_upload("upload_id_cards")

    def clean_upload_income_proof(self):
        return self._clean_upload("upload_income_proof")

    def clean_upload_entrustment(self):
        return self._clean_upload("upload_entrustment")

    def clean(self):
        data = super().clean()
        village = data.get("village")
        if village is not None:
            try:
                channel = services.filing_channel(self.user, village)
            except ValidationError as exc:
                self.add_error("village", exc)
                return data
            if channel == services.Channel.PAPER_VILLAGE_ASSISTANT and not data.get("upload_entrustment"):
                self.add_error("upload_entrustment", services.ERR_ENTRUSTMENT)
        if data.get("declares_staff_relative"):
            for name in ("staff_relative_staff_name", "staff_relative_member_name", "staff_relative_relation"):
                if not data.get(name):
                    self.add_error(name, _("申报近亲属关系时此项必填。"))
        return data

    def uploads(self) -> list[services.UploadInput]:
        return [
            services.UploadInput(kind=kind, file=self.cleaned_data[name])
            for name, kind in self.UPLOAD_FIELDS.items()
            if self.cleaned_data.get(name)
        ]

    def staff_links(self) -> list[services.StaffLinkInput]:
        if not self.cleaned_data.get("declares_staff_relative"):
            return []
        d = self.cleaned_data
        return [
            services.StaffLinkInput(
                member_name=d["staff_relative_member_name"],
                staff_name=d["staff_relative_staff_name"],
                relation=d["staff_relative_relation"],
                position=d.get("staff_relative_position") or "",
            )
        ]


class TekunApplicationForm(ApplicationForm):
    programme = Programme.TEKUN
    no_work_ability = forms.BooleanField(label=_("无劳动能力（TK 5）"), required=False)
    no_income = forms.BooleanField(label=_("无生活来源（TK 6）"), required=False)
    no_supporter = forms.BooleanField(
        label=_("无法定赡养、抚养、扶养义务人，或其无履行义务能力（TK 7-8）"), required=False
    )

    def clean(self):
        data = super().clean()
        if not tekun_criteria_met(
            no_work_ability=data.get("no_work_ability"), no_income=data.get("no_income"),
            no_supporter=data.get("no_supporter"),
        ):  # fmt: skip
            self.add_error("no_work_ability", services.ERR_TEKUN_CRITERIA)
        return data

    def tekun(self) -> services.TekunInput:
        d = self.cleaned_data
        return services.TekunInput(
            no_work_ability=d["no_work_ability"], no_income=d["no_income"], no_supporter=d["no_supporter"]
        )


class LowIncomeApplicationForm(ApplicationForm):
    """低收入家庭认定 (LB24): the dibao intake; the essential spending of the members' rows
    (MSL 13) decides the 刚性支出困难家庭 category."""

    programme = Programme.LOW_INCOME

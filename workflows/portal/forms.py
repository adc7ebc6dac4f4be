"""Forms of the online application and the status lookup.

Member, household and upload validation is the dibao service's
(``validate_member``, ``validate_household``, ``validate_upload``), reached
through dibao's own ``MemberForm`` where possible; nothing is re-implemented.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from functools import partial

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.models.rules import Area
from workflows.core.programmes import Programme
from workflows.dibao import services as dibao_services
from workflows.dibao.forms import MemberForm
from workflows.households.models import ADULT_AGE
from workflows.households.validators import birth_date_from_id, normalise_id_number

from .services import ERR_FACTOR_REQUIRED, ERR_PHONE

PHONE_RE = re.compile(r"^1\d{10}$")
MAX_MEMBERS = 10


class AccessibleFormMixin:
    """Large inputs, and errors linked to their input (aria-describedby, aria-invalid)."""

    def full_clean(self):
        super().full_clean()
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_help")
            if name in self.errors:
                ids.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)


def _describe_help(form):
    for name, field in form.fields.items():
        if field.help_text:
            field.widget.attrs.setdefault("aria-describedby", f"{form[name].auto_id}_help")


class HouseholdForm(AccessibleFormMixin, forms.Form):
    programme = forms.ChoiceField(
        label=_("申请哪一种救助"),
        choices=partial(programmes.choices_for, "dibao.DibaoProcess"),
        initial=Programme.DIBAO,
        widget=forms.RadioSelect,
    )
    area = forms.ChoiceField(label=_("户口类别"), choices=Area.choices, widget=forms.RadioSelect)
    address = forms.CharField(
        label=_("家庭住址"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "street-address"})
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=11,
        help_text=_("用来接收办理进度短信和查询验证码。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    bank_account = forms.CharField(
        label=_("收款银行卡号（可以以后再补）"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    deposits = forms.DecimalField(
        label=_("全家存款合计（元）"), min_value=Decimal("0"), decimal_places=2, max_digits=12, initial=Decimal("0")
    )
    members_count = forms.TypedChoiceField(
        label=_("共同生活的家庭人口（含申请人）"),
        choices=[(str(n), str(n)) for n in range(1, MAX_MEMBERS + 1)],
        coerce=int,
        initial="1",
    )
    no_work_ability = forms.BooleanField(label=_("（特困）申请人没有劳动能力"), required=False)
    no_income = forms.BooleanField(label=_("（特困）申请人没有生活来源"), required=False)
    no_supporter = forms.BooleanField(label=_("（特困）没有赡养、抚养、扶养人，或他们没有能力"), required=False)
    email = forms.EmailField(
        label=_("电子邮箱（选填）"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    language = forms.ChoiceField(label=_("通知使用的语言"), choices=settings.LANGUAGES, initial="zh-hans")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _describe_help(self)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not PHONE_RE.match(phone):
            raise ValidationError(ERR_PHONE, code="phone")
        return phone

    def clean(self):
        data = super().clean()
        programme = data.get("programme")
        if programme and not programmes.spec(programme).intake.met(**data):
            self.add_error("no_work_ability", dibao_services.ERR_TEKUN_CRITERIA)
        return data

    def programme_label(self) -> str:
        """The chosen programme in words (the review page)."""
        return programmes.spec(self.cleaned_data["programme"]).label


class OnlineMemberForm(AccessibleFormMixin, MemberForm):
    """dibao's member form; consents are asked for on their own step."""

    CONSENT_FIELDS = ("signed_check_authorisation", "signed_truthfulness")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.CONSENT_FIELDS:
            del self.fields[name]
        # The proof of essential spending is uploaded on the uploads step (this step keeps no files).
        del self.fields["expense_proof"]
        del self.fields["expense_proof_2"]
        self.fields["expense_kind"].label = _("因病、因残等刚性支出（没有就不填）")
        self.fields["expense_monthly"].label = _("这项支出每月平均多少元")
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self):
        for name in self.CONSENT_FIELDS:
            self.cleaned_data.setdefault(name, False)
        return super().clean()


class BaseOnlineMemberFormSet(forms.BaseFormSet):
    def clean(self):
        """One applicant, no duplicate ID (dibao's ``validate_household``); the
        consents are checked on the consent step, so assume them here."""
        if any(self.errors):
            return
        members = [
            dibao_services.MemberInput(
                **{
                    **m.__dict__,
                    "signed_check_authorisation": True,
                    "signed_truthfulness": m.relation == "applicant",
                }
            )
            for m in self.members()
        ]
        try:
            dibao_services.validate_household(members, timezone.localdate())
        except ValidationError as exc:
            raise ValidationError(exc.messages, code=exc.code) from exc

    def members(self) -> list[dibao_services.MemberInput]:
        return [f.member() for f in self.forms if f.cleaned_data]


def member_formset(count: int, data=None):
    formset_class = forms.formset_factory(
        OnlineMemberForm,
        formset=BaseOnlineMemberFormSet,
        extra=0,
        min_num=count,
        max_num=count,
        validate_min=True,
        validate_max=True,
    )
    return formset_class(data, prefix="members")


class UploadsForm(AccessibleFormMixin, forms.Form):
    upload_application = forms.FileField(
        label=_("书面申请书（照片或 PDF）"), help_text=_("PDF、JPG 或 PNG，每个文件不超过 5 MB。")
    )
    upload_id_cards = forms.FileField(label=_("身份证、户口簿（选填）"), required=False)
    upload_income_proof = forms.FileField(label=_("收入证明（选填）"), required=False)
    upload_other = forms.FileField(label=_("其他材料（选填）"), required=False)

    KINDS = {
        "upload_application": "application",
        "upload_id_cards": "id_cards",
        "upload_income_proof": "income_proof",
        "upload_other": "other",
    }

    EXPENSE_PROOF = "expense_proof_"  # + the member's row number: the proof of that member's spending

    def __init__(self, *args, members: list[dibao_services.MemberInput] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = dict(self.KINDS)
        for i, m in enumerate(members):
            if m.rigid_expenses:
                name = f"upload_{self.EXPENSE_PROOF}{i}"
                self.fields[name] = forms.FileField(
                    label=_("%(name)s 的刚性支出凭证（病历、发票、护理费单据等，选填）") % {"name": m.name},
                    required=False,
                )
                self.kinds[name] = f"{self.EXPENSE_PROOF}{i}"
        _describe_help(self)
        for field in self.fields.values():
            field.widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

    def clean(self):
        data = super().clean()
        for name in self.kinds:
            upload = data.get(name)
            if upload:
                try:
                    dibao_services.validate_upload(upload)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data


def is_adult(id_number: str, on: datetime.date) -> bool:
    born = birth_date_from_id(normalise_id_number(id_number))
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day)) >= ADULT_AGE


class ConsentsForm(AccessibleFormMixin, forms.Form):
    """One check-authorisation per adult member and the applicant's truthfulness commitment (MSL 9)."""

    def __init__(self, *args, members: list[dibao_services.MemberInput], programme: str = "dibao", **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        today = timezone.localdate()
        # 单人户 (domain.md §8): a disabled or seriously ill member may ask to be enrolled alone
        # (the programmes whose spec allows it: dibao).
        alone = [(str(i), m.name) for i, m in enumerate(members) if m.is_disabled or m.has_serious_illness]
        if programmes.spec(programme).intake.single_person_household and alone:
            self.fields["single_person"] = forms.ChoiceField(
                label=_("是否为家中重度残疾或重病的成员单独申请低保（单人户）"),
                choices=[("", _("不申请，全家一起申请")), *alone],
                required=False,
                help_text=_("县（区）实行单人户政策、且全家月人均收入不超过规定倍数时，这位成员可以单独纳入低保。"),
            )
        for i, m in enumerate(members):
            if is_adult(m.id_number, today):
                self.fields[f"authorise_{i}"] = forms.BooleanField(
                    label=_("%(name)s 同意民政部门核对本人的收入和财产信息") % {"name": m.name}, required=False
                )
        self.fields["truthfulness"] = forms.BooleanField(
            label=_("我承诺填写的内容和上传的材料都是真实的，如有虚假愿意承担责任"), required=False
        )

    def signed_members(self) -> list[dibao_services.MemberInput]:
        d = self.cleaned_data
        return [
            dibao_services.MemberInput(
                **{
                    **m.__dict__,
                    "signed_check_authorisation": bool(d.get(f"authorise_{i}")),
                    "signed_truthfulness": m.relation == "applicant" and bool(d.get("truthfulness")),
                }
            )
            for i, m in enumerate(self.members)
        ]

    def single_person_name(self) -> str:
        """The name of the member asking to be enrolled alone, or "" (单人户, domain.md §8)."""
        chosen = (getattr(self, "cleaned_data", None) or {}).get("single_person") or ""
        return self.members[int(chosen)].name if chosen.isdigit() and int(chosen) < len(self.members) else ""

    def clean(self):
        data = super().clean()
        try:
            dibao_services.validate_household(self.signed_members(), timezone.localdate())
        except ValidationError as exc:
            field = "truthfulness" if exc.code == "truthfulness" else None
            self.add_error(field, exc)
        return data


class LookupForm(AccessibleFormMixin, forms.Form):
    case_number = forms.CharField(
        label=_("案件编号"),
        max_length=32,
        help_text=_("写在受理回执或短信里，例如 DB-990101001-2026-000123。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    id_last6 = forms.CharField(
        label=_("申请人身份证号码后 6 位"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    otp = forms.CharField(
        label=_("或者：手机验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _describe_help(self)

    def clean(self):
        data = super().clean()
        if not (data.get("id_last6") or data.get("otp")) and not self.errors:
            raise ValidationError(ERR_FACTOR_REQUIRED, code="factor_required")
        return data


class OtpRequestForm(forms.Form):
    case_number = forms.CharField(label=_("案件编号"), max_length=32)

"""Forms of the online temporary-assistance application (临时救助, issue 16 item 1).

Every rule is the staff intake's and the API's: ID numbers and composition through
``temporary_assistance.services.validate_new_household`` (which runs dibao's member and
household validators), uploads through dibao's ``validate_upload``, the case fields through
``case_open`` on submit. The forms only ask, in plain words, for what those services need.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.models.rules import Area
from workflows.dibao import services as dibao_services
from workflows.households.validators import normalise_id_number, validate_id_number
from workflows.temporary_assistance.models import Cause, Kind

from .forms import (
    MAX_MEMBERS,
    AccessibleFormMixin,
    BaseOnlineMemberFormSet,
    ConsentsForm,
    HouseholdForm,
    OnlineMemberForm,
    UploadsForm,
    _describe_help,
)

ERR_REGISTERED_FIELD = _("已登记过的家庭请填写此项。")
ERR_NEW_FIELD = _("第一次申请的家庭请填写此项。")
ERR_NOT_REGISTERED = _("没有找到这个姓名和身份证号码的登记。请核对，或选择“第一次申请”。")

NEW, REGISTERED = "new", "registered"


def _optional(field: forms.Field) -> forms.Field:
    field = copy.deepcopy(field)
    field.required = False
    return field


class TaHouseholdForm(AccessibleFormMixin, forms.Form):
    """Who asks: a household with no earlier record (its details here, members next), or one
    already on record, found by a member's name and ID number in the chosen county."""

    registered = forms.ChoiceField(
        label=_("您家以前在民政部门登记过吗"),
        choices=[(NEW, _("没有，第一次申请")), (REGISTERED, _("登记过（享受过低保、特困或临时救助）"))],
        initial=NEW,
        widget=forms.RadioSelect,
    )
    registered_name = forms.CharField(label=_("已登记家庭成员的姓名"), max_length=50, required=False)
    registered_id_number = forms.CharField(
        label=_("这位成员的身份证号码"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    area = forms.ChoiceField(label=_("户口类别"), choices=Area.choices, required=False, widget=forms.RadioSelect)
    address = forms.CharField(
        label=_("家庭住址"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    phone = _optional(HouseholdForm.base_fields["phone"])  # a household on record has its phone on file
    bank_account = HouseholdForm.base_fields["bank_account"]
    members_count = forms.TypedChoiceField(
        label=_("共同生活的家庭人口（含申请人）"),
        choices=[(str(n), str(n)) for n in range(1, MAX_MEMBERS + 1)],
        coerce=int,
        initial="1",
        required=False,
    )
    email = HouseholdForm.base_fields["email"]
    language = forms.ChoiceField(label=_("通知使用的语言"), choices=settings.LANGUAGES, initial="zh-hans")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _describe_help(self)

    def clean_phone(self):
        return HouseholdForm.clean_phone(self) if self.cleaned_data.get("phone", "").strip() else ""

    def clean_registered_id_number(self):
        value = normalise_id_number(self.cleaned_data.get("registered_id_number"))
        if value:
            validate_id_number(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("registered") == REGISTERED:
            needed, message = ("registered_name", "registered_id_number"), ERR_REGISTERED_FIELD
        else:
            needed, message = ("area", "address", "phone", "members_count"), ERR_NEW_FIELD
        for name in needed:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        return data

    @property
    def is_new(self) -> bool:
        return self.cleaned_data.get("registered") != REGISTERED


class TaEmergencyForm(AccessibleFormMixin, forms.Form):
    """What happened: the kind (急难型 / 支出型), the cause, when, the need (TA18 1-2)."""

    kind = forms.ChoiceField(
        label=_("遇到的是哪一种困难"),
        choices=[
            (Kind.EMERGENCY, _("急难型：火灾、洪水、交通事故、突发重病等突然发生的困难")),
            (Kind.SPENDING_SHOCK, _("支出型：看病、上学等必需的大额支出，家里负担不起")),
        ],
        widget=forms.RadioSelect,
    )
    cause = forms.ChoiceField(label=_("事由"), choices=Cause.choices)
    event_date = forms.DateField(
        label=_("事情是哪天发生的"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    cause_detail = forms.CharField(
        label=_("发生了什么"),
        max_length=2000,
        help_text=_("请写清楚发生了什么、造成了哪些损失或支出、现在最需要什么。"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    requested_amount = forms.DecimalField(
        label=_("需要救助多少钱（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    repeat_reason = forms.CharField(
        label=_("今年已因同一事由得到过救助的，请说明新的困难（没有就不填）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _describe_help(self)

    def clean_event_date(self):
        from workflows.temporary_assistance.services import ERR_EVENT_IN_FUTURE

        value = self.cleaned_data["event_date"]
        if value > timezone.localdate():
            raise ValidationError(ERR_EVENT_IN_FUTURE, code="future")
        return value


class TaMemberForm(OnlineMemberForm):
    """The dibao member row; the spending row is where medical and education costs go (TA18)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expense_kind"].label = _("看病、康复护理、上学等必需支出（没有就不填）")


class TaMemberFormSet(BaseOnlineMemberFormSet):
    """IDs, composition and "one person, one household" as at the staff intake (MSL 7); the
    consents are asked for on their own step, so they are assumed here."""

    kind = Kind.EMERGENCY

    def clean(self):
        if any(self.errors):
            return
        from workflows.temporary_assistance.services import validate_new_household

        members = [
            dibao_services.MemberInput(
                **{**m.__dict__, "signed_check_authorisation": True, "signed_truthfulness": m.relation == "applicant"}
            )
            for m in self.members()
        ]
        try:
            validate_new_household(members=members, kind=self.kind, on=timezone.localdate())
        except ValidationError as exc:
            raise ValidationError(exc.messages, code=exc.code) from exc


def ta_member_formset(count: int, kind: str, data=None):
    formset_class = forms.formset_factory(
        TaMemberForm,
        formset=TaMemberFormSet,
        extra=0,
        min_num=count,
        max_num=count,
        validate_min=True,
        validate_max=True,
    )
    formset = formset_class(data, prefix="members")
    formset.kind = kind
    return formset


class TaUploadsForm(UploadsForm):
    """Proofs of what happened; none is required to file (the township may ask for more)."""

    upload_application = None  # an online request needs no written application form (TA18 2(1))
    upload_income_proof = None
    upload_event_proof = forms.FileField(
        label=_("事情的证明（火灾、事故证明，诊断书、住院发票、学费单据等，选填）"),
        help_text=_("PDF、JPG 或 PNG，每个文件不超过 5 MB。"),
        required=False,
    )
    upload_id_cards = forms.FileField(label=_("身份证、户口簿（选填）"), required=False)
    upload_other = forms.FileField(label=_("其他材料（选填）"), required=False)

    KINDS = {"upload_event_proof": "event_proof", "upload_id_cards": "id_cards", "upload_other": "other"}
    field_order = ["upload_event_proof", "upload_id_cards", "upload_other"]


class TaConsentsForm(ConsentsForm):
    """Each adult's check authorisation and the applicant's commitment (MSL 9). An emergency may
    sign them later with the paperwork (TA18 2(2)); a spending shock is checked, so it needs them now."""

    def __init__(self, *args, members, kind: str, **kwargs):
        self.kind = kind
        super().__init__(*args, members=members, **kwargs)

    def clean(self):
        data = forms.Form.clean(self)
        from workflows.temporary_assistance.services import validate_new_household

        try:
            validate_new_household(members=self.signed_members(), kind=self.kind, on=timezone.localdate())
        except ValidationError as exc:
            self.add_error("truthfulness" if exc.code == "truthfulness" else None, exc)
        return data

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.models import Village
from workflows.core.models.rules import Area
from workflows.dibao.forms import ERR_NO_MEMBERS, BaseMemberFormSet, bootstrap_widgets, member_formset_factory
from workflows.households.models import Household
from workflows.households.validators import normalise_id_number, validate_id_number

from . import selectors
from .models import AfterCheck, Cause, Kind, Payment

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.01")}


ERR_NO_HOUSEHOLD_WITH_ID = _("本乡镇没有登记该身份证号码的家庭；请核对号码，或登记新家庭。")
ERR_CHOOSE_ONE_HOUSEHOLD = _("已有家庭、按身份证号码查找和登记新家庭只能选一种。")
ERR_NEW_HOUSEHOLD_FIELD = _("登记新家庭时此项必填。")
ERR_EMERGENCY_PLACE_ID_REQUIRED = _("在急难发生地救助时，请填写该家庭成员的身份证号码以查找其户籍地登记。")

NEW_HOUSEHOLD_FIELDS = ("village", "area", "address", "phone", "bank_account")
CASE_FIELDS = (
    "kind", "cause", "event_date", "cause_detail", "requested_amount", "assist_first", "major_hardship", "repeat_reason",
)  # fmt: skip


class OpenCaseForm(forms.Form):
    """Intake for any household: an existing record (picked or found by a member's ID number) or a
    household with no earlier record, whose members come in the view's member formset."""

    household = forms.ModelChoiceField(label=_("已有家庭"), queryset=Household.objects.none(), required=False)
    find_id_number = forms.CharField(label=_("按家庭成员身份证号码查找已有家庭"), max_length=18, required=False)
    emergency_village = forms.ModelChoiceField(
        label=_("急难发生地（户籍在外乡镇或外县的家庭）"),
        queryset=Village.objects.none(),
        required=False,
        help_text=_("急难型救助可在急难发生地直接办理：选择发生地所在村（社区），并按身份证号码查找该家庭。"),
    )
    village = forms.ModelChoiceField(label=_("新家庭所在村（社区）"), queryset=Village.objects.none(), required=False)
    area = forms.ChoiceField(label=_("户籍类别"), choices=[("", "---"), *Area.choices], required=False)
    address = forms.CharField(label=_("家庭住址"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    bank_account = forms.CharField(label=_("收款账户"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("救助类型"), choices=Kind.choices)
    cause = forms.ChoiceField(label=_("事由类别"), choices=Cause.choices)
    event_date = forms.DateField(label=_("事件发生日期"), widget=forms.DateInput(attrs={"type": "date"}))
    cause_detail = forms.CharField(label=_("情况说明"), widget=forms.Textarea)
    requested_amount = forms.DecimalField(label=_("申请金额（元）"), **MONEY)
    assist_first = forms.BooleanField(label=_("先行救助（急难型，当日发放，事后补办）"), required=False)
    major_hardship = forms.BooleanField(label=_("重大困难，提请一事一议"), required=False)
    repeat_reason = forms.CharField(label=_("再次申请的新理由"), widget=forms.Textarea, required=False)
    upload_entrustment = forms.FileField(label=_("委托书（协理员代为申请时必交）"), required=False)

    def __init__(self, *args, user, **kwargs):
        from .services import households_for_intake, townships_for_case_worker, villages_for_village_assistant

        super().__init__(*args, **kwargs)
        self.user = user
        self.households = households_for_intake(user)
        self.fields["household"].queryset = self.households.select_related("village")
        self.fields["village"].queryset = (
            Village.objects.filter(township__in=townships_for_case_worker(user))
            | Village.objects.filter(pk__in=villages_for_village_assistant(user))
        ).select_related("township")
        # only a township case worker helps where the emergency happens (TA18; ZB20)
        self.fields["emergency_village"].queryset = Village.objects.filter(
            township__in=townships_for_case_worker(user)
        ).select_related("township")
        if not villages_for_village_assistant(user).exists():
            del self.fields["upload_entrustment"]
        bootstrap_widgets(self)

    def clean_upload_entrustment(self):
        from workflows.dibao.services import validate_upload

        upload = self.cleaned_data.get("upload_entrustment")
        if upload:
            validate_upload(upload)
        return upload

    def clean_find_id_number(self):
        value = normalise_id_number(self.cleaned_data.get("find_id_number"))
        if value:
            validate_id_number(value)
        return value

    @property
    def registers_new_household(self) -> bool:
        """Whether the posted data asks for a new household (read before validation by the view)."""
        return bool(self.data.get(self.add_prefix("village")))

    def clean(self):
        data = super().clean()
        chosen = [bool(data.get("household")), bool(data.get("find_id_number")), bool(data.get("village"))]
        if sum(chosen) > 1:
            raise forms.ValidationError(ERR_CHOOSE_ONE_HOUSEHOLD, code="household")
        if data.get("emergency_village") and not data.get("find_id_number"):
            self.add_error("find_id_number", ERR_EMERGENCY_PLACE_ID_REQUIRED)
        elif data.get("find_id_number"):
            # at the place of emergency the household may be registered anywhere in the system
            households = Household.objects.all() if data.get("emergency_village") else self.households
            found = selectors.household_by_id_number(id_number=data["find_id_number"], households=households)
            if found is None:
                self.add_error("find_id_number", ERR_NO_HOUSEHOLD_WITH_ID)
            data["household"] = found
        elif data.get("village"):
            for name in ("area", "address"):
                if not data.get(name):
                    self.add_error(name, ERR_NEW_HOUSEHOLD_FIELD)
        elif not data.get("household") and "household" not in self.errors:
            from .services import ERR_HOUSEHOLD_REQUIRED

            raise forms.ValidationError(ERR_HOUSEHOLD_REQUIRED, code="household")
        return data

    # bound fields grouped for the intake template
    def household_fields(self):
        return [self[name] for name in ("household", "find_id_number", "emergency_village")]

    def new_household_fields(self):
        return [self[name] for name in NEW_HOUSEHOLD_FIELDS]

    def case_fields(self):
        return [self[name] for name in (*CASE_FIELDS, "upload_entrustment") if name in self.fields]

    def case_data(self) -> dict:
        """The keyword arguments of ``services.case_open`` other than the household."""
        return {
            **{name: self.cleaned_data[name] for name in CASE_FIELDS},
            "entrustment": self.cleaned_data.get("upload_entrustment"),
            "emergency_village": self.cleaned_data.get("emergency_village"),
        }


class NewHouseholdMemberFormSet(BaseMemberFormSet):
    """The dibao intake's member rows; the household rules run in the service (consents by kind)."""

    def clean(self):
        if any(self.errors):
            return
        from .services import validate_new_household

        members = self.members()
        if not members:
            raise forms.ValidationError(ERR_NO_MEMBERS, code="no_members")
        kind = self.data.get("kind") or Kind.EMERGENCY
        try:
            validate_new_household(members=members, kind=kind, on=timezone.localdate())
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages, code=exc.code) from exc


MemberFormSet = member_formset_factory(NewHouseholdMemberFormSet)


class AssistFirstPayForm(forms.Form):
    amount = forms.DecimalField(label=_("先行发放金额（元）"), **MONEY)


class CompletePaperworkForm(forms.Form):
    """Assist-first completion (TA18 2(2), ZB20 15): registration, the township head's signature, the
    amount on the signed receipt, and the after-the-fact check or, per source, why it is not needed."""

    registration = forms.BooleanField(label=_("已补办申请登记（申请书、承诺书、核对授权书）"), required=False)
    head_signer = forms.CharField(label=_("签字的乡镇负责人"), max_length=50, required=False)
    head_signed_on = forms.DateField(
        label=_("乡镇负责人签字日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    receipt_amount = forms.DecimalField(
        label=_("申请人签收的金额（元）"), help_text=_("须与系统记录的已发放金额一致。"), **MONEY
    )
    after_check = forms.ChoiceField(label=_("事后核对"), choices=AfterCheck.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        from workflows.finance_check.sources import Source

        from .services import after_check_sources

        super().__init__(*args, **kwargs)
        self.waiver_names = {}
        for source in after_check_sources():
            name = f"waive_{source}"
            self.fields[name] = forms.CharField(
                label=_("无需核对“%(source)s”的理由") % {"source": Source(source).label}, max_length=200, required=False
            )
            self.waiver_names[name] = source
        bootstrap_widgets(self)

    def clean(self):
        data = super().clean()
        data["waivers"] = {source: data.pop(name, "") for name, source in self.waiver_names.items()}
        return data


class RecoveryDecisionForm(forms.Form):
    recover = forms.TypedChoiceField(
        label=_("追回决定"), choices=[("1", _("追回已发放救助金")), ("0", _("不予追回"))], coerce=lambda v: v == "1"
    )
    amount = forms.DecimalField(label=_("应追回金额（元）"), required=False, **MONEY)
    reason = forms.CharField(label=_("决定理由"), widget=forms.Textarea)


class EscalationForm(forms.Form):
    note = forms.CharField(label=_("督办意见"), widget=forms.Textarea)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结论"), choices=[("1", _("批准")), ("0", _("不予救助"))], coerce=lambda v: v == "1"
    )
    amount = forms.DecimalField(label=_("批准金额（元）"), required=False, **MONEY)
    first_payment = forms.DecimalField(
        label=_("本次发放金额（元）"), required=False, help_text=_("留空则一次发放全部批准金额。"), **MONEY
    )
    reason = forms.CharField(label=_("审批意见 / 不予救助理由"), widget=forms.Textarea, required=False)


class CaseByCaseForm(DecisionForm):
    meeting_date = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    participants = forms.CharField(label=_("参会人员（用顿号或逗号分隔）"), widget=forms.Textarea)


class PayInstallmentForm(forms.Form):
    amount = forms.DecimalField(label=_("本次发放金额（元）"), **MONEY)


class PaymentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("第 %(seq)s 次 · %(date)s · %(source)s · %(amount)s 元 · 可冲销 %(left)s 元") % {
            "seq": obj.seq,
            "date": obj.paid_at.date().isoformat(),
            "source": obj.get_source_display(),
            "amount": f"{obj.amount:,.2f}",
            "left": f"{obj.amount - obj.reversed_amount:,.2f}",
        }


class PaymentReverseForm(forms.Form):
    """Reverse (part of) one payment of the case (TA18 3(3)); the service re-checks everything under lock."""

    payment = PaymentChoiceField(label=_("发放记录"), queryset=Payment.objects.none())
    amount = forms.DecimalField(label=_("冲销金额（元）"), **MONEY)
    reason = forms.CharField(
        label=_("冲销理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("冲销必须写明理由。")},
    )

    def __init__(self, *args, payments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment"].queryset = Payment.objects.filter(pk__in=[p.pk for p in payments]).order_by("seq")

    def clean(self):
        from .services import ERR_REVERSE_TOO_MUCH

        data = super().clean()
        payment, amount = data.get("payment"), data.get("amount")
        if payment is not None and amount is not None:
            left = payment.amount - payment.reversed_amount
            if amount > left:
                self.add_error("amount", ERR_REVERSE_TOO_MUCH % {"amount": f"{amount:,.2f}", "left": f"{left:,.2f}"})
        return data

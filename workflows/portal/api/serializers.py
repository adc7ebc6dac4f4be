"""Request and response serializers of the integration API (the OpenAPI schema is built from them)."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from workflows.core import programmes
from workflows.core.models.rules import Area
from workflows.core.programmes import Programme
from workflows.dibao import services as dibao_services
from workflows.dibao.models import Attachment
from workflows.households.models import DeclaredIncome, HouseholdMember, RigidExpense
from workflows.households.validators import validate_id_number
from workflows.temporary_assistance.models import Cause as TaCause
from workflows.temporary_assistance.models import Kind as TaKind

from .base import ERR_BAD_FILE, ERR_TA_HOUSEHOLD, ERR_TA_NEW_FIELD, MAX_FILE_B64


# --- serializers -----------------------------------------------------------------------
class RigidExpenseSerializer(serializers.Serializer):
    """One essential-spending row of a member (刚性支出, MSL 13); validates to an ``ExpenseInput``."""

    kind = serializers.ChoiceField(choices=RigidExpense.Kind.choices, help_text="刚性支出类别")
    monthly_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), help_text="月均金额（元）"
    )
    proof_filename = serializers.CharField(max_length=100, required=False, help_text="支出凭证文件名（PDF/JPG/PNG）")
    proof_base64 = serializers.CharField(max_length=MAX_FILE_B64, required=False, help_text="支出凭证内容（Base64）")

    def validate(self, attrs):
        proof = None
        if attrs.get("proof_base64"):
            try:
                content = base64.b64decode(attrs["proof_base64"], validate=True)
            except (binascii.Error, ValueError):
                raise serializers.ValidationError({"proof_base64": [ERR_BAD_FILE]}) from None
            proof = SimpleUploadedFile(attrs.get("proof_filename") or "proof.pdf", content)
            try:
                dibao_services.validate_upload(proof)
            except ValidationError as exc:
                raise serializers.ValidationError({"proof_base64": exc.messages}) from None
        return dibao_services.ExpenseInput(kind=attrs["kind"], monthly_amount=attrs["monthly_amount"], proof=proof)


class IncomeSerializer(serializers.Serializer):
    """A further income of a member besides ``income_kind``; validates to an ``IncomeInput``."""

    kind = serializers.ChoiceField(choices=DeclaredIncome.Kind.choices)
    monthly_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))

    def validate(self, attrs):
        return dibao_services.IncomeInput(kind=attrs["kind"], monthly_amount=attrs["monthly_amount"])


class MemberSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(
        max_length=18, validators=[validate_id_number], help_text="18 位公民身份号码（ASCII 数字，末位可为 X）"
    )
    relation = serializers.ChoiceField(choices=HouseholdMember.Relation.choices)
    is_student = serializers.BooleanField(default=False)
    is_disabled = serializers.BooleanField(default=False)
    has_serious_illness = serializers.BooleanField(default=False)
    can_work = serializers.BooleanField(default=False)
    income_kind = serializers.ChoiceField(choices=DeclaredIncome.Kind.choices, default=DeclaredIncome.Kind.WAGE)
    monthly_income = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default="0.00")
    signed_check_authorisation = serializers.BooleanField(help_text="成年成员已签署核对授权书（MSL 9）")
    signed_truthfulness = serializers.BooleanField(default=False, help_text="申请人已签署真实性承诺书")
    other_incomes = IncomeSerializer(many=True, max_length=5, default=list, help_text="其他收入（另一类别）")
    rigid_expenses = RigidExpenseSerializer(many=True, max_length=5, default=list, help_text="刚性支出（MSL 13）")

    def validate(self, attrs):
        attrs["other_incomes"] = tuple(attrs.get("other_incomes") or ())
        attrs["rigid_expenses"] = tuple(attrs.get("rigid_expenses") or ())
        return attrs


class UploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)
    filename = serializers.CharField(max_length=100)
    content_base64 = serializers.CharField(max_length=MAX_FILE_B64)


class ApplicationSerializer(serializers.Serializer):
    programme = serializers.ChoiceField(choices=programmes.choices_for("dibao.DibaoProcess"), default=Programme.DIBAO)
    village_code = serializers.CharField(max_length=12, help_text="村（社区）国家代码，须属于对接系统所在县")
    area = serializers.ChoiceField(choices=Area.choices)
    address = serializers.CharField(max_length=200)
    phone = serializers.RegexField(r"^1\d{10}$", max_length=11)
    bank_account = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    deposits = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default="0.00")
    members = MemberSerializer(many=True, min_length=1, max_length=20)
    uploads = UploadSerializer(many=True, max_length=6, default=list)
    tekun_no_work_ability = serializers.BooleanField(default=False)
    tekun_no_income = serializers.BooleanField(default=False)
    tekun_no_supporter = serializers.BooleanField(default=False)
    language = serializers.ChoiceField(choices=["zh-hans", "en"], default="zh-hans")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class SubmittedSerializer(serializers.Serializer):
    case_number = serializers.CharField()
    status_url = serializers.CharField()


class StatusRequestSerializer(serializers.Serializer):
    case_number = serializers.CharField(max_length=32)
    id_last6 = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    otp = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")


class LetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    issued_on = serializers.DateField()


class NoticeSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    posted_on = serializers.DateField()
    ends_on = serializers.DateField()
    open = serializers.BooleanField()
    objection_url = serializers.CharField()


class CheckFailureSerializer(serializers.Serializer):
    """A failed data check told to the applicant, with the reasons and the notice letter (MSL 18)."""

    notified_on = serializers.DateField()
    reasons = serializers.ListField(child=serializers.CharField())
    letter = LetterSerializer(allow_null=True)
    objection_open = serializers.BooleanField(help_text="可以带证明材料对核对结果提出异议")
    recheck_pending = serializers.BooleanField(help_text="异议已登记，正在复查核对")
    objection_how = serializers.CharField()


class StatusSerializer(serializers.Serializer):
    case_number = serializers.CharField()
    programme = serializers.CharField()
    township = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    next_step = serializers.CharField()
    submitted_on = serializers.DateField(allow_null=True)
    accepted_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    working_days_left = serializers.IntegerField(allow_null=True)
    overdue = serializers.BooleanField()
    missing_materials = serializers.ListField(child=serializers.CharField())
    letters = LetterSerializer(many=True)
    notice = NoticeSerializer(allow_null=True)
    objection_how = serializers.CharField()
    decision = serializers.CharField(allow_blank=True)
    monthly_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    payment_starts = serializers.DateField(allow_null=True)
    appeal_rights = serializers.CharField()
    check_failure = CheckFailureSerializer(allow_null=True, help_text="核对未通过的告知（MSL 18），没有则为 null")


class ObjectionRequestSerializer(serializers.Serializer):
    case_number = serializers.CharField(max_length=32)
    content = serializers.CharField(max_length=4000)
    anonymous = serializers.BooleanField(default=False)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class ObjectionRecordedSerializer(serializers.Serializer):
    case_number = serializers.CharField()
    notice_round = serializers.IntegerField()
    received_at = serializers.DateTimeField()


ErrorSerializer = inline_serializer("Error", {"detail": serializers.CharField()})
ErrorsSerializer = inline_serializer(
    "ValidationErrors", {"errors": serializers.ListField(child=serializers.CharField())}
)


# --- temporary assistance (临时救助) ------------------------------------------------------
class TaApplicationSerializer(serializers.Serializer):
    """A temporary-assistance request: an existing household (a member's ID number) or a new one."""

    village_code = serializers.CharField(
        max_length=12, required=False, allow_blank=True, default="",
        help_text="新家庭所在村（社区）国家代码，须属于对接系统所在县；按身份证号码申请已登记家庭时不填",
    )  # fmt: skip
    household_id_number = serializers.CharField(
        max_length=18, required=False, allow_blank=True, default="", validators=[validate_id_number],
        help_text="已登记家庭某位成员的 18 位身份证号码（与 members 二选一）",
    )  # fmt: skip
    area = serializers.ChoiceField(choices=Area.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.RegexField(r"^1\d{10}$", max_length=11, required=False)
    bank_account = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    members = MemberSerializer(many=True, max_length=20, required=False, help_text="新家庭的成员（MSL 7）")
    assistance_kind = serializers.ChoiceField(choices=TaKind.choices, help_text="救助类型：急难型 / 支出型")
    cause = serializers.ChoiceField(choices=TaCause.choices, help_text="事由类别")
    event_date = serializers.DateField(help_text="事件发生日期（不能晚于今天）")
    cause_detail = serializers.CharField(max_length=2000, help_text="情况说明")
    requested_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), help_text="申请金额（元）"
    )
    repeat_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    major_hardship = serializers.BooleanField(default=False, help_text="重大困难，提请一事一议")
    language = serializers.ChoiceField(choices=["zh-hans", "en"], default="zh-hans")
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        existing = bool(attrs.get("household_id_number"))
        if existing == bool(attrs.get("members")):
            raise serializers.ValidationError(ERR_TA_HOUSEHOLD)
        if not existing:
            missing = [f for f in ("village_code", "area", "address", "phone") if not attrs.get(f)]
            if missing:
                raise serializers.ValidationError({f: [ERR_TA_NEW_FIELD] for f in missing})
        return attrs


class TaStatusSerializer(serializers.Serializer):
    case_number = serializers.CharField()
    programme = serializers.CharField()
    township = serializers.CharField()
    stage = serializers.CharField(help_text="accepted / review / assist_first / approved / paid / refused")
    stage_label = serializers.CharField()
    next_step = serializers.CharField()
    kind_label = serializers.CharField()
    cause_label = serializers.CharField()
    submitted_on = serializers.DateField(allow_null=True)
    requested_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    decision = serializers.CharField(allow_blank=True)
    decided_on = serializers.DateField(allow_null=True)
    approved_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    paid_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, help_text="至今已发放")
    paperwork_due = serializers.DateField(allow_null=True)
    refusal_reasons = serializers.ListField(child=serializers.CharField())
    letters = LetterSerializer(many=True)
    appeal_rights = serializers.CharField()

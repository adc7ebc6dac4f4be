"""Integration API (DRF + drf-spectacular) for the province's service portal
and the 12345 hotline.

Every client is bound to one county (``IntegrationClient``) and sends
``Authorization: Token <key>``; a case or village outside that county is a
404, exactly like a case that does not exist. The status endpoint also
answers anonymous callers who give a second factor, with the same throttle
and the same "not found" for unknown cases and wrong factors as the web page.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from workflows.core import programmes
from workflows.core.models import Village
from workflows.core.models.rules import Area
from workflows.core.programmes import Programme
from workflows.dibao import services as dibao_services
from workflows.dibao.application_input import application_input
from workflows.dibao.models import Attachment
from workflows.documents.services import document_record_download
from workflows.households.models import DeclaredIncome, HouseholdMember, RigidExpense
from workflows.households.validators import validate_id_number
from workflows.temporary_assistance.models import Cause as TaCause
from workflows.temporary_assistance.models import Kind as TaKind

from . import selectors, services, throttle
from .models import IntegrationClient

ERR_NOT_FOUND = "未找到。"
ERR_THROTTLED = "尝试次数过多，请稍后再试。"
ERR_BAD_FILE = "文件内容不是有效的 Base64。"
ERR_TA_HOUSEHOLD = "请填写已登记家庭成员的身份证号码，或填写新家庭的成员（二选一）。"
ERR_TA_NEW_FIELD = "新家庭须填写此项。"
ERR_TOKEN = "无效的对接密钥。"  # noqa: S105 - a message, not a secret
CLAIM_PREFIX = "tekun_"  # the API names the intake claims (TK 4-8) tekun_<claim>
MAX_FILE_B64 = (dibao_services.MAX_UPLOAD_BYTES * 4) // 3 + 8


# --- authentication and throttling ---------------------------------------------------
class IntegrationTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>``; only the key's SHA-256 is stored."""

    keyword = b"token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(ERR_TOKEN)
        key = parts[1].decode("latin-1")
        client = (
            IntegrationClient.objects.filter(token_hash=services.token_hash(key), active=True)
            .select_related("county")
            .first()
        )
        if client is None:
            raise exceptions.AuthenticationFailed(ERR_TOKEN)
        return (client, None)

    def authenticate_header(self, request):
        return "Token"


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "workflows.portal.api.IntegrationTokenAuthentication"
    name = "IntegrationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (see `manage.py create_integration_client`)",
        }


class ClientRateThrottle(SimpleRateThrottle):
    """Per integrating client; anonymous lookups use ``throttle`` (address + case)."""

    rate = "120/min"
    scope = "portal_client"

    def get_cache_key(self, request, view):
        client = request.user
        if isinstance(client, IntegrationClient):
            return f"portal:api:client:{client.pk}"
        return None


def _client(request) -> IntegrationClient | None:
    return request.user if isinstance(request.user, IntegrationClient) else None


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class BaseAPIView(APIView):
    authentication_classes = [IntegrationTokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ClientRateThrottle]
    renderer_classes = [JSONRenderer]


def _validation_response(exc: ValidationError) -> Response:
    return Response({"errors": exc.messages}, status=status.HTTP_400_BAD_REQUEST)


def _client_village(client: IntegrationClient, code: str) -> Village | None:
    """A village of the client's county by its national code (any other: None, answered as 404)."""
    return (
        Village.objects.filter(code=code, township__county_id=client.county_id)
        .select_related("township__county")
        .first()
    )


def _filed(submit) -> Response:
    """201 with the case number and status page of what ``submit()`` filed; 400 with the reasons if a rule refused."""
    try:
        process = submit()
    except ValidationError as exc:
        return _validation_response(exc)
    return Response(
        {"case_number": process.case_number, "status_url": services.status_url()}, status=status.HTTP_201_CREATED
    )


def _not_found() -> Response:
    return Response({"detail": ERR_NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)


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


# --- views -----------------------------------------------------------------------------
class ApplicationsView(BaseAPIView):
    @extend_schema(
        operation_id="applications_create",
        request=ApplicationSerializer,
        responses={201: SubmittedSerializer, 400: OpenApiResponse(), 404: ErrorSerializer},
        summary="提交低保/特困申请（网上渠道）",
    )
    def post(self, request):
        serializer = ApplicationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        client = _client(request)
        village = _client_village(client, d["village_code"])
        if village is None:
            return _not_found()
        uploads = []
        for u in d["uploads"]:
            try:
                content = base64.b64decode(u["content_base64"], validate=True)
            except (binascii.Error, ValueError):
                return Response({"errors": [ERR_BAD_FILE]}, status=status.HTTP_400_BAD_REQUEST)
            upload = SimpleUploadedFile(u["filename"], content, content_type="application/octet-stream")
            uploads.append(dibao_services.UploadInput(kind=u["kind"], file=upload))
        application = application_input(
            programme=d["programme"], village=village, household=d, uploads=uploads,
            members=[dibao_services.MemberInput(**m) for m in d["members"]],
            claims={k.removeprefix(CLAIM_PREFIX): v for k, v in d.items() if k.startswith(CLAIM_PREFIX)},
            entrustment_note=f"对接系统：{client.name}"[:200],
        )  # fmt: skip
        return _filed(
            lambda: services.application_submit_online(
                programme=d["programme"], application=application, language=d["language"], email=d["email"]
            )
        )


class StatusView(BaseAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="status_lookup",
        request=StatusRequestSerializer,
        responses={200: StatusSerializer, 400: OpenApiResponse(), 404: ErrorSerializer, 429: ErrorSerializer},
        summary="查询办理进度：案件编号 + 第二要素；或对接系统按本县案件编号查询",
        auth=[{"IntegrationToken": []}, {}],
    )
    def post(self, request):
        return _status_answer(
            request, programme=selectors.DIBAO, for_client=selectors.case_for_client,
            build=lambda p: StatusSerializer(selectors.public_status(p)).data,
        )  # fmt: skip


def _status_answer(request, *, programme: str, for_client, build) -> Response:
    """One status lookup for both programmes' endpoints: a client reads its county's cases;
    an anonymous caller needs a second factor, under the web page's throttle, and gets the
    same 404 for an unknown case and a wrong factor (the lookup searches ``programme`` only,
    so a case of the other programme is unknown here, exactly like a number that does not exist)."""
    serializer = StatusRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    d = serializer.validated_data
    client = _client(request)
    if client is not None:
        process = for_client(client, d["case_number"])
    else:
        address = throttle.client_address(request)
        factor = "id" if d["id_last6"] else "otp"
        if throttle.lookup_throttled(address=address, case_number=d["case_number"], factor=factor):
            return Response({"detail": ERR_THROTTLED}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if not (d["id_last6"] or d["otp"]):
            return Response({"errors": [str(services.ERR_FACTOR_REQUIRED)]}, status=status.HTTP_400_BAD_REQUEST)
        process = services.status_lookup(
            case_number=d["case_number"], id_last6=d["id_last6"], otp=d["otp"], address=address,
            programmes=(programme,),
        )  # fmt: skip
    if process is None:
        return _not_found()
    return Response(build(process))


class ObjectionsView(BaseAPIView):
    @extend_schema(
        operation_id="objections_create",
        request=ObjectionRequestSerializer,
        responses={201: ObjectionRecordedSerializer, 400: OpenApiResponse(), 404: ErrorSerializer},
        summary="登记对公示的异议（12345 热线代为登记，可匿名）",
    )
    def post(self, request):
        serializer = ObjectionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        process = selectors.case_for_client(_client(request), d["case_number"])
        if process is None:
            return _not_found()
        notice = selectors.current_notice(process)
        if notice is None:
            return Response({"errors": [str(services.ERR_NO_OPEN_NOTICE)]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            objection = dibao_services.objection_record(
                notice=notice, content=d["content"], anonymous=d["anonymous"], name=d["name"], contact=d["contact"],
                actor=None,
            )  # fmt: skip
        except ValidationError as exc:
            return _validation_response(exc)
        return Response(
            {"case_number": process.case_number, "notice_round": notice.round, "received_at": objection.received_at},
            status=status.HTTP_201_CREATED,
        )


class LetterView(BaseAPIView):
    renderer_classes = [PDFRenderer, JSONRenderer]

    @extend_schema(
        operation_id="letters_retrieve",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, (404, "application/json"): ErrorSerializer},
        summary="下载本县案件的审核确认通知书或不予确认决定书（PDF）",
    )
    def get(self, request, document_id: int):
        from workflows.dibao.models import DibaoProcess

        return _letter_response(request, document_id, DibaoProcess)


def _letter_response(request, document_id: int, model):
    """A letter the applicant may download (``selectors.public_letter``) of a case of ``model`` in
    the client's county; anything else, whatever the reason, the same 404."""
    from workflows.documents.models import CaseDocument

    owner = CaseDocument.objects.filter(pk=document_id).values("process_id")[:1]
    process = model.objects.filter(pk__in=owner, county_id=_client(request).county_id).first()
    document = selectors.public_letter(process, document_id) if process is not None else None
    if document is None:
        return _not_found()
    document_record_download(document=document, actor=None)
    content_type = mimetypes.guess_type(document.filename)[0] or "application/pdf"
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.filename, content_type=content_type
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


class TaApplicationsView(BaseAPIView):
    @extend_schema(
        operation_id="ta_applications_create",
        request=TaApplicationSerializer,
        responses={201: SubmittedSerializer, 400: OpenApiResponse(), 404: ErrorSerializer},
        summary="提交临时救助申请（网上渠道；已登记家庭或新家庭）",
    )
    def post(self, request):
        from workflows.households.models import Household
        from workflows.temporary_assistance import selectors as ta_selectors
        from workflows.temporary_assistance.services import NewHousehold

        serializer = TaApplicationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        client = _client(request)
        household = new = None
        if d["household_id_number"]:
            household = ta_selectors.household_by_id_number(
                id_number=d["household_id_number"], households=Household.objects.filter(county_id=client.county_id)
            )
            if household is None:
                return _not_found()
        else:
            village = _client_village(client, d["village_code"])
            if village is None:
                return _not_found()
            new = NewHousehold(
                village=village, area=d["area"], address=d["address"], phone=d["phone"],
                bank_account=d["bank_account"], members=[dibao_services.MemberInput(**m) for m in d["members"]],
            )  # fmt: skip
        return _filed(
            lambda: services.ta_application_submit_online(
                household=household, new_household=new, kind=d["assistance_kind"], cause=d["cause"],
                event_date=d["event_date"], cause_detail=d["cause_detail"], requested_amount=d["requested_amount"],
                repeat_reason=d["repeat_reason"], major_hardship=d["major_hardship"], language=d["language"],
                email=d["email"],
            )
        )  # fmt: skip


class TaStatusView(BaseAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ta_status_lookup",
        request=StatusRequestSerializer,
        responses={200: TaStatusSerializer, 400: OpenApiResponse(), 404: ErrorSerializer, 429: ErrorSerializer},
        summary="查询临时救助办理进度：案件编号 + 第二要素；或对接系统按本县案件编号查询",
        auth=[{"IntegrationToken": []}, {}],
    )
    def post(self, request):
        return _status_answer(
            request, programme=selectors.TEMPORARY_ASSISTANCE, for_client=selectors.ta_case_for_client,
            build=lambda p: TaStatusSerializer(selectors.ta_public_status(p)).data,
        )  # fmt: skip


class TaLetterView(BaseAPIView):
    renderer_classes = [PDFRenderer, JSONRenderer]

    @extend_schema(
        operation_id="ta_letters_retrieve",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, (404, "application/json"): ErrorSerializer},
        summary="下载本县临时救助案件的救助决定书或不予救助决定书（PDF）",
    )
    def get(self, request, document_id: int):
        from workflows.temporary_assistance.models import TemporaryAssistanceProcess

        return _letter_response(request, document_id, TemporaryAssistanceProcess)


def api_view(view_class):
    return login_not_required(view_class.as_view())

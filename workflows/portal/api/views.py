"""Endpoints for dibao / 特困: file, status, objections, letters."""

from __future__ import annotations

import base64
import binascii
import mimetypes

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from workflows.dibao import services as dibao_services
from workflows.dibao.application_input import application_input
from workflows.documents.services import document_record_download

from .. import selectors, services, throttle
from .base import (
    CLAIM_PREFIX,
    ERR_BAD_FILE,
    ERR_THROTTLED,
    BaseAPIView,
    PDFRenderer,
    _client,
    _client_village,
    _filed,
    _not_found,
    _validation_response,
)
from .serializers import (
    ApplicationSerializer,
    ErrorSerializer,
    ObjectionRecordedSerializer,
    ObjectionRequestSerializer,
    StatusRequestSerializer,
    StatusSerializer,
    SubmittedSerializer,
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

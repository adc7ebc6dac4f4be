"""Endpoints for temporary assistance (临时救助): file, status, letters."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer

from workflows.dibao import services as dibao_services

from .. import selectors, services
from .base import BaseAPIView, PDFRenderer, _client, _client_village, _filed, _not_found
from .serializers import (
    ErrorSerializer,
    StatusRequestSerializer,
    SubmittedSerializer,
    TaApplicationSerializer,
    TaStatusSerializer,
)
from .views import _letter_response, _status_answer


# --- temporary assistance (临时救助) ------------------------------------------------------
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

"""Authentication, throttling, rendering and the answers every endpoint of the integration API shares."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from workflows.core.models import Village
from workflows.dibao import services as dibao_services

from .. import services
from ..models import IntegrationClient

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
    target_class = "workflows.portal.api.base.IntegrationTokenAuthentication"
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


def api_view(view_class):
    return login_not_required(view_class.as_view())

"""Integration API (DRF + drf-spectacular) for the province's service portal
and the 12345 hotline.

Every client is bound to one county (``IntegrationClient``) and sends
``Authorization: Token <key>``; a case or village outside that county is a
404, exactly like a case that does not exist. The status endpoint also
answers anonymous callers who give a second factor, with the same throttle
and the same "not found" for unknown cases and wrong factors as the web page.

The package re-exports every name of its modules (``api.X`` works wherever ``X`` lives).
"""

from .base import (
    CLAIM_PREFIX,
    ERR_BAD_FILE,
    ERR_NOT_FOUND,
    ERR_TA_HOUSEHOLD,
    ERR_TA_NEW_FIELD,
    ERR_THROTTLED,
    ERR_TOKEN,
    MAX_FILE_B64,
    BaseAPIView,
    ClientRateThrottle,
    IntegrationTokenAuthentication,
    IntegrationTokenScheme,
    PDFRenderer,
    _client,
    _client_village,
    _filed,
    _not_found,
    _validation_response,
    api_view,
)
from .serializers import (
    ApplicationSerializer,
    CheckFailureSerializer,
    ErrorSerializer,
    ErrorsSerializer,
    IncomeSerializer,
    LetterSerializer,
    MemberSerializer,
    NoticeSerializer,
    ObjectionRecordedSerializer,
    ObjectionRequestSerializer,
    RigidExpenseSerializer,
    StatusRequestSerializer,
    StatusSerializer,
    SubmittedSerializer,
    TaApplicationSerializer,
    TaStatusSerializer,
    UploadSerializer,
)
from .temporary_assistance import TaApplicationsView, TaLetterView, TaStatusView
from .views import ApplicationsView, LetterView, ObjectionsView, StatusView, _letter_response, _status_answer

__all__ = [
    "CLAIM_PREFIX",
    "ERR_BAD_FILE",
    "ERR_NOT_FOUND",
    "ERR_TA_HOUSEHOLD",
    "ERR_TA_NEW_FIELD",
    "ERR_THROTTLED",
    "ERR_TOKEN",
    "MAX_FILE_B64",
    "ApplicationSerializer",
    "ApplicationsView",
    "BaseAPIView",
    "CheckFailureSerializer",
    "ClientRateThrottle",
    "ErrorSerializer",
    "ErrorsSerializer",
    "IncomeSerializer",
    "IntegrationTokenAuthentication",
    "IntegrationTokenScheme",
    "LetterSerializer",
    "LetterView",
    "MemberSerializer",
    "NoticeSerializer",
    "ObjectionRecordedSerializer",
    "ObjectionRequestSerializer",
    "ObjectionsView",
    "PDFRenderer",
    "RigidExpenseSerializer",
    "StatusRequestSerializer",
    "StatusSerializer",
    "StatusView",
    "SubmittedSerializer",
    "TaApplicationSerializer",
    "TaApplicationsView",
    "TaLetterView",
    "TaStatusSerializer",
    "TaStatusView",
    "UploadSerializer",
    "_client",
    "_client_village",
    "_filed",
    "_letter_response",
    "_not_found",
    "_status_answer",
    "_validation_response",
    "api_view",
]

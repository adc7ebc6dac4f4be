"""Applicant pages at /portal/ and the integration API at /portal/api/ (all anonymous
or token-authenticated; nothing here links to staff pages)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from workflows.core.permission_matrix import PublicPage

from . import api, ta_views, views

schema_view = login_not_required(
    SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny], throttle_classes=[])
)

urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply_place, name="apply_place"),
    path("apply/household/", views.apply_household, name="apply_household"),
    path("apply/members/", views.apply_members, name="apply_members"),
    path("apply/uploads/", views.apply_uploads, name="apply_uploads"),
    path("apply/consents/", views.apply_consents, name="apply_consents"),
    path("apply/review/", views.apply_review, name="apply_review"),
    path("apply/done/", views.apply_done, name="apply_done"),
    # temporary assistance (临时救助): the applicant's own request
    path("temporary-assistance/", ta_views.ta_apply_place, name="ta_apply_place"),
    path("temporary-assistance/household/", ta_views.ta_apply_household, name="ta_apply_household"),
    path("temporary-assistance/emergency/", ta_views.ta_apply_emergency, name="ta_apply_emergency"),
    path("temporary-assistance/members/", ta_views.ta_apply_members, name="ta_apply_members"),
    path("temporary-assistance/uploads/", ta_views.ta_apply_uploads, name="ta_apply_uploads"),
    path("temporary-assistance/consents/", ta_views.ta_apply_consents, name="ta_apply_consents"),
    path("temporary-assistance/review/", ta_views.ta_apply_review, name="ta_apply_review"),
    path("temporary-assistance/done/", ta_views.ta_apply_done, name="ta_apply_done"),
    path("status/", views.status_lookup, name="status_lookup"),
    path("status/code/", views.otp_request, name="otp_request"),
    path("status/leave/", views.status_leave, name="status_leave"),
    path("status/<str:case_number>/", views.status_detail, name="status_detail"),
    path("status/<str:case_number>/letters/<int:document_id>/", views.letter_download, name="letter_download"),
    # integration API
    path("api/schema/", schema_view, name="api_schema"),
    path("api/v1/applications/", api.api_view(api.ApplicationsView), name="api_applications"),
    path("api/v1/status/", api.api_view(api.StatusView), name="api_status"),
    path("api/v1/objections/", api.api_view(api.ObjectionsView), name="api_objections"),
    path("api/v1/letters/<int:document_id>/", api.api_view(api.LetterView), name="api_letter"),
    path(
        "api/v1/temporary-assistance/applications/",
        api.api_view(api.TaApplicationsView),
        name="api_ta_applications",
    ),
    path("api/v1/temporary-assistance/status/", api.api_view(api.TaStatusView), name="api_ta_status"),
    path(
        "api/v1/temporary-assistance/letters/<int:document_id>/",
        api.api_view(api.TaLetterView),
        name="api_ta_letter",
    ),
]

# The applicant side answers everybody alike: no staff login opens anything more here.
_NO_CASE = {"case_number": "DB0000000000", "document_id": 1}
url_permissions = {
    "index": PublicPage(),
    "apply_place": PublicPage(),
    # later steps of the application send a visitor without the earlier ones back to the first
    "apply_household": PublicPage(status=302),
    "apply_members": PublicPage(status=302),
    "apply_uploads": PublicPage(status=302),
    "apply_consents": PublicPage(status=302),
    "apply_review": PublicPage(status=302),
    "apply_done": PublicPage(status=302),
    "ta_apply_place": PublicPage(),
    "ta_apply_household": PublicPage(status=302),
    "ta_apply_emergency": PublicPage(status=302),
    "ta_apply_members": PublicPage(status=302),
    "ta_apply_uploads": PublicPage(status=302),
    "ta_apply_consents": PublicPage(status=302),
    "ta_apply_review": PublicPage(status=302),
    "ta_apply_done": PublicPage(status=302),
    "status_lookup": PublicPage(),
    "otp_request": PublicPage(status=405),
    "status_leave": PublicPage(status=405),  # POST only
    # a case page without a verified second factor goes back to the lookup form
    "status_detail": PublicPage(status=302, kwargs=_NO_CASE),
    # a letter without a verified second factor is not found, whoever asks
    "letter_download": PublicPage(status=404, kwargs=_NO_CASE),
    "api_schema": PublicPage(),
    # the integration API needs a client token; staff sessions are not accepted
    "api_applications": PublicPage(status=401),
    "api_status": PublicPage(status=405),  # POST only
    "api_objections": PublicPage(status=401),
    "api_letter": PublicPage(status=401, kwargs={"document_id": 1}),
    "api_ta_applications": PublicPage(status=401),
    "api_ta_status": PublicPage(status=405),  # POST only
    "api_ta_letter": PublicPage(status=401, kwargs={"document_id": 1}),
}

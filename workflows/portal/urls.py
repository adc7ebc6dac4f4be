"""Applicant pages at /portal/ and the integration API at /portal/api/ (all anonymous
or token-authenticated; nothing here links to staff pages)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from . import api, views

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
]

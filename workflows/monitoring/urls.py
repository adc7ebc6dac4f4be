"""Monitoring pages (动态监测, LI23), mounted at /monitoring/ (namespace "monitoring")."""

from django.urls import path

from workflows.core.permission_matrix import ObjectPage, StaffPage

from . import views
from .selectors import COUNTY_CODENAMES, LIST_CODENAMES, REPORT_CODENAMES

urlpatterns = [
    path("", views.signal_list, name="list"),
    path("signal/<int:pk>/", views.signal_detail, name="signal"),
    path("signal/<int:pk>/case/", views.signal_case, name="signal_case"),
    path("signal/<int:pk>/recheck/", views.signal_recheck, name="signal_recheck"),
    path("signal/<int:pk>/refer/", views.signal_refer, name="signal_refer"),
    path("signal/<int:pk>/dismiss/", views.signal_dismiss, name="signal_dismiss"),
    path("report/", views.signal_report, name="report"),
    path("upload/", views.batch_upload, name="upload"),
    path("upload/errors.csv", views.batch_errors, name="upload_errors"),
    path("upload/template.csv", views.batch_template, name="upload_template"),
    path("county/", views.county_view, name="county"),
]

_COUNTY_STAFF = frozenset({"act_county_officer", "act_county_reviewer", "audit_county"})

url_permissions = {
    # township, village and county staff; the list is region-scoped (a township sees its own)
    "list": StaffPage(codenames=LIST_CODENAMES),
    # a signal is seen like a case of its village (township, county and the village assistant);
    # 404 outside the user's regions; the handling forms post to
    # their own URLs (POST only) and the service checks the township's case worker
    "signal": ObjectPage(obj="signal", level="case"),
    "signal_case": ObjectPage(obj="signal", level="case", status=405),
    "signal_recheck": ObjectPage(obj="signal", level="case", status=405),
    "signal_refer": ObjectPage(obj="signal", level="case", status=405),
    "signal_dismiss": ObjectPage(obj="signal", level="case", status=405),
    "report": StaffPage(codenames=REPORT_CODENAMES),
    # a department's file: county officers only
    "upload": StaffPage(codenames=COUNTY_CODENAMES),
    "upload_errors": StaffPage(codenames=COUNTY_CODENAMES),
    "upload_template": StaffPage(codenames=COUNTY_CODENAMES),
    # every township and the unmatched ID numbers: county staff only
    "county": StaffPage(codenames=_COUNTY_STAFF),
}

"""The staff workspace, mounted at /workspace/ (namespace "workspace")."""

from django.urls import path
from django.views.generic import RedirectView

from workflows.core.permission_matrix import CasePage, ObjectPage, StaffPage

from . import views

COUNTY_ROLES = frozenset({"act_county_officer", "act_county_reviewer", "audit_county"})

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="workspace:inbox"), name="index"),
    path("inbox/", views.task_list, {"kind": "inbox"}, name="inbox"),
    path("queue/", views.task_list, {"kind": "queue"}, name="queue"),
    path("archive/", views.task_list, {"kind": "archive"}, name="archive"),
    path("team/", views.task_list, {"kind": "team"}, name="team"),
    path("claim/", views.claim, name="claim"),
    path("release/", views.release, name="release"),
    path("reassign/", views.reassign, name="reassign"),
    path("send-back/", views.send_back, name="send_back"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("transfer/", views.transfer, name="transfer"),
    path("urge/", views.urge, name="urge"),
    path("case/<int:process_pk>/", views.case_workspace, name="case"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("documents/failed/", views.document_failures, name="document_failures"),
    path("documents/retry/", views.document_retry, name="document_retry"),
    path("county/", views.county_index, name="county_index"),
    path("county/<int:county_pk>/", views.county_dashboard, name="county"),
    path("county/<int:county_pk>/export.csv", views.county_csv, name="county_csv"),
]

url_permissions = {
    "index": StaffPage(status=302),  # to the inbox
    "inbox": StaffPage(),  # every logged-in user; the lists are region-scoped
    "queue": StaffPage(),
    "archive": StaffPage(),
    "team": StaffPage(codenames=frozenset({"act_approver"})),  # township supervisors only
    "claim": StaffPage(status=405),  # POST only
    "release": StaffPage(status=405),
    "reassign": StaffPage(status=405),
    "send_back": StaffPage(status=405),
    "withdraw": StaffPage(status=405),
    "transfer": StaffPage(status=405),
    "urge": StaffPage(status=405),
    "notifications": StaffPage(),  # only my own notifications
    "notification_read": StaffPage(status=405),
    "document_failures": StaffPage(),  # the failed renders of the user's cases (empty without a region)
    "document_retry": StaffPage(status=405),  # POST only
    "case": CasePage(),  # 404 outside the user's regions
    "county_index": StaffPage(status=302, codenames=COUNTY_ROLES),
    # a county's dashboard: 403 for staff with no county role, 404 for another county's staff
    "county": ObjectPage(obj="county", level="county", param="county_pk", codenames=COUNTY_ROLES, role_first=True),
    "county_csv": ObjectPage(obj="county", level="county", param="county_pk", codenames=COUNTY_ROLES, role_first=True),
}

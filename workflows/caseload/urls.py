"""Caseload pages, mounted at /caseload/ (namespace "caseload")."""

from django.urls import path

from workflows.core.permission_matrix import ObjectPage, StaffPage

from . import import_views, views

urlpatterns = [
    path("household/<int:pk>/", views.household_benefits, name="household"),
    path("household/<int:pk>/recheck/", views.recheck_action, name="recheck_action"),
    path("household/<int:pk>/event/", views.household_event, name="household_event"),
    path("rechecks/", views.recheck_list, name="rechecks"),
    path("households/", views.household_search, name="household_search"),
    path("import/", import_views.caseload_import, name="import"),
    path("import/template.csv", import_views.import_template, name="import_template"),
    path("import/report.csv", import_views.import_errors, name="import_errors"),
]

_IMPORT = frozenset({"act_county_officer", "act_approver"})

# A household's benefits are its township's books: its staff and the county's (404 for others);
# the change form posts to the same page and the service checks the approver.
url_permissions = {
    "household": ObjectPage(obj="household", level="township"),
    "recheck_action": ObjectPage(obj="household", level="township", status=405),  # POST only
    "household_event": ObjectPage(obj="household", level="township", status=405),  # POST only
    "rechecks": StaffPage(),  # every logged-in user; the list is scoped to their townships
    "household_search": StaffPage(),  # every logged-in user; finds only their townships' households
    # bringing an existing caseload in: county officers and township approvers
    "import": StaffPage(codenames=_IMPORT),
    "import_template": StaffPage(codenames=_IMPORT),
    "import_errors": StaffPage(codenames=_IMPORT),
}

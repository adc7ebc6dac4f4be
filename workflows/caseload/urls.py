"""Caseload pages, mounted at /caseload/ (namespace "caseload")."""

from django.urls import path

from workflows.core.permission_matrix import ObjectPage, StaffPage

from . import views

urlpatterns = [
    path("household/<int:pk>/", views.household_benefits, name="household"),
    path("household/<int:pk>/recheck/", views.recheck_action, name="recheck_action"),
    path("household/<int:pk>/event/", views.household_event, name="household_event"),
    path("rechecks/", views.recheck_list, name="rechecks"),
]

# A household's benefits are its township's books: its staff and the county's (404 for others);
# the change form posts to the same page and the service checks the approver.
url_permissions = {
    "household": ObjectPage(obj="household", level="township"),
    "recheck_action": ObjectPage(obj="household", level="township", status=405),  # POST only
    "household_event": ObjectPage(obj="household", level="township", status=405),  # POST only
    "rechecks": StaffPage(),  # every logged-in user; the list is scoped to their townships
}

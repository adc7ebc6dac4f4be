"""One window, joint handling and case conferences, mounted at /cooperation/."""

from django.urls import path

from workflows.core.permission_matrix import CasePage, ObjectPage, StaffPage

from . import views
from .selectors import LIST_CODENAMES

urlpatterns = [
    path("referrals/", views.referral_list, name="referrals"),
    path("case/<int:process_pk>/referral/", views.referral_new, name="referral_new"),
    path("referral/<int:pk>/answer/", views.referral_answer, name="referral_answer"),
    path("case/<int:process_pk>/conference/", views.conference_new, name="conference_new"),
    path("follow-up/<int:pk>/close/", views.action_close, name="action_close"),
]

TOWNSHIP_STAFF = frozenset({"act_case_worker", "act_approver"})

url_permissions = {
    # township staff and county staff; the list is region-scoped (a township sees only its own)
    "referrals": StaffPage(codenames=LIST_CODENAMES),
    # 404 outside the user's regions; inside, the case's township case worker (SAI 60)
    "referral_new": CasePage(codenames=frozenset({"act_case_worker"})),
    "referral_answer": ObjectPage(obj="referral", level="township", codenames=frozenset({"act_case_worker"})),
    # temporary-assistance cases only; the township's case worker or approver
    "conference_new": CasePage(
        process_model="temporary_assistance.temporaryassistanceprocess", codenames=TOWNSHIP_STAFF
    ),
    "action_close": ObjectPage(obj="conference_action", level="township", status=405, codenames=TOWNSHIP_STAFF),
}

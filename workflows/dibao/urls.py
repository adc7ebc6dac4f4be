from django.urls import path

from workflows.core.permission_matrix import CasePage, PublicPage, StaffPage
from workflows.core.viewsets import CaseFlowAppViewset

from . import views
from .flows import DibaoFlow, TekunFlow

flow_viewsets = [
    CaseFlowAppViewset(DibaoFlow, icon="family_restroom"),
    CaseFlowAppViewset(TekunFlow, icon="elderly"),
]

urlpatterns = [
    path("cases/", views.open_cases, name="open_cases"),
    path("staff-relatives/", views.staff_relative_register, name="staff_relatives"),
    path("overdue/", views.overdue_alerts, name="overdue"),
    path("case/<int:process_pk>/objection/", views.StaffObjectionView.as_view(), name="staff_objection"),
    path("case/<int:process_pk>/terminate/", views.TerminateView.as_view(), name="terminate"),
    path("case/<int:process_pk>/check-objection/", views.CheckObjectionView.as_view(), name="check_objection"),
    path("objection/<str:token>/", views.public_objection, name="public_objection"),
]

url_permissions = {
    "open_cases": StaffPage(),  # every logged-in user; the list is region-scoped
    "staff_relatives": StaffPage(),  # idem
    "overdue": StaffPage(codenames=frozenset({"act_approver", "act_county_officer", "act_county_reviewer"})),
    "staff_objection": CasePage(),  # 404 outside the user's regions (CaseScopeMiddleware)
    # MSL 29: township approvers only; 404 outside the user's regions
    "terminate": CasePage(process_model="dibao.dibaoprocess", codenames=frozenset({"act_approver"})),
    # MSL 18: township case workers only; 404 outside the user's regions
    "check_objection": CasePage(process_model="dibao.dibaoprocess", codenames=frozenset({"act_case_worker"})),
    "public_objection": PublicPage(status=404, kwargs={"token": "unknown"}),  # no login; unknown token: 404
}

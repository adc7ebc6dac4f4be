from django.urls import path

from workflows.core.permission_matrix import CasePage, ObjectPage, PublicPage, StaffPage
from workflows.core.viewsets import CaseFlowAppViewset

from . import low_income_views, register_views, views
from .flows import DibaoFlow, LowIncomeFlow, TekunFlow
from .selectors import REGISTER_CODENAMES

flow_viewsets = [
    CaseFlowAppViewset(DibaoFlow, icon="family_restroom"),
    CaseFlowAppViewset(TekunFlow, icon="elderly"),
    CaseFlowAppViewset(LowIncomeFlow, icon="diversity_3"),
]

urlpatterns = [
    path("cases/", views.open_cases, name="open_cases"),
    path("staff-relatives/", views.staff_relative_register, name="staff_relatives"),
    path("overdue/", views.overdue_alerts, name="overdue"),
    path("staff-register/", register_views.register_list, name="staff_register"),
    path("staff-register/new/", register_views.register_line_new, name="staff_register_new"),
    path("staff-register/<int:pk>/", register_views.register_line_edit, name="staff_register_edit"),
    path("staff-register/<int:pk>/delete/", register_views.register_line_delete, name="staff_register_delete"),
    path("staff-register/import/", register_views.register_import, name="staff_register_import"),
    path(
        "staff-register/import/template.csv",
        register_views.register_import_template,
        name="staff_register_import_template",
    ),
    path("case/<int:process_pk>/objection/", views.StaffObjectionView.as_view(), name="staff_objection"),
    path("case/<int:process_pk>/terminate/", views.TerminateView.as_view(), name="terminate"),
    path("case/<int:process_pk>/check-objection/", views.CheckObjectionView.as_view(), name="check_objection"),
    path("objection/<str:token>/", views.public_objection, name="public_objection"),
    path("low-income/", low_income_views.recognised_register, name="low_income"),
    path("low-income/export.csv", low_income_views.recognised_register_csv, name="low_income_csv"),
]


_REGISTER = frozenset({"act_county_officer"})

url_permissions = {
    "open_cases": StaffPage(),  # every logged-in user; the list is region-scoped
    "staff_relatives": StaffPage(),  # idem
    # MSL 11: the register is the county officers'; township staff 403, another county's line 404
    "staff_register": StaffPage(codenames=_REGISTER),
    "staff_register_new": StaffPage(codenames=_REGISTER),
    "staff_register_edit": ObjectPage(obj="staff_register_line", level="county", codenames=_REGISTER, role_first=True),
    "staff_register_delete": ObjectPage(
        obj="staff_register_line", level="county", codenames=_REGISTER, role_first=True
    ),
    "staff_register_import": StaffPage(codenames=_REGISTER),
    "staff_register_import_template": StaffPage(codenames=_REGISTER),
    "overdue": StaffPage(codenames=frozenset({"act_approver", "act_county_officer", "act_county_reviewer"})),
    "staff_objection": CasePage(),  # 404 outside the user's regions (CaseScopeMiddleware)
    # MSL 29: township approvers only; 404 outside the user's regions
    "terminate": CasePage(process_model="dibao.dibaoprocess", codenames=frozenset({"act_approver"})),
    # MSL 18: township case workers only; 404 outside the user's regions
    "check_objection": CasePage(process_model="dibao.dibaoprocess", codenames=frozenset({"act_case_worker"})),
    "public_objection": PublicPage(status=404, kwargs={"token": "unknown"}),  # no login; unknown token: 404
    # township staff see their township's recognised households, county officers their county's
    "low_income": StaffPage(codenames=REGISTER_CODENAMES),
    "low_income_csv": StaffPage(codenames=REGISTER_CODENAMES, status=405),  # POST: the export is logged
}

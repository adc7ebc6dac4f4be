from django.urls import path

from workflows.core.permission_matrix import CasePage

from . import views

urlpatterns = [
    path("case/<int:process_pk>/", views.CaseHistoryView.as_view(), name="case"),
    path("case/<int:process_pk>/export.pdf", views.CaseExportView.as_view(), name="export"),
]

url_permissions = {
    "case": CasePage(),  # the auditor's replay; every role that sees the case may read its history
    "export": CasePage(),  # the case-file PDF
}

from django.urls import path

from . import views

urlpatterns = [
    path("case/<int:process_pk>/", views.CaseHistoryView.as_view(), name="case"),
    path("case/<int:process_pk>/export.pdf", views.CaseExportView.as_view(), name="export"),
]

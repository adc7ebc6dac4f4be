from django.urls import path

from . import views

urlpatterns = [
    path("", views.fund_list, name="list"),
    path("credit/", views.fund_credit, name="credit"),
    path("<int:pk>/", views.fund_detail, name="detail"),
    path("<int:pk>/ledger.csv", views.fund_ledger_csv, name="ledger_csv"),
    path("api/funds/<int:pk>/entries/", views.api_fund_entries, name="api_entries"),
    path("api/entries/<int:pk>/", views.api_fund_entry, name="api_entry"),
]

from django.urls import path

from workflows.core.permission_matrix import ObjectPage, StaffPage

from . import views

urlpatterns = [
    path("", views.fund_list, name="list"),
    path("credit/", views.fund_credit, name="credit"),
    path("<int:pk>/", views.fund_detail, name="detail"),
    path("<int:pk>/ledger.csv", views.fund_ledger_csv, name="ledger_csv"),
    path("api/funds/<int:pk>/entries/", views.api_fund_entries, name="api_entries"),
    path("api/entries/<int:pk>/", views.api_fund_entry, name="api_entry"),
]

# Funds are a township's books: its staff and the county's see them, nobody else (404).
url_permissions = {
    "list": StaffPage(),  # every logged-in user; the list is scoped
    "credit": StaffPage(codenames=frozenset({"act_county_officer"})),  # allocations: county officers only
    "detail": ObjectPage(obj="fund", level="township"),
    "ledger_csv": ObjectPage(obj="fund", level="township"),
    "api_entries": ObjectPage(obj="fund", level="township"),
    "api_entry": ObjectPage(obj="fund_entry", level="township"),
}

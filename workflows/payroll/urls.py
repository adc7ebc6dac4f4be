from django.urls import path

from workflows.core.permission_matrix import ObjectPage, StaffPage

from . import views

urlpatterns = [
    path("", views.roll_list, name="list"),
    path("generate/", views.roll_generate, name="generate"),
    path("deductions/", views.deductions, name="deductions"),
    path("<int:pk>/", views.roll_detail, name="detail"),
    path("<int:pk>/freeze/", views.roll_freeze, name="freeze"),
    path("<int:pk>/export/", views.roll_export, name="export"),
    path("<int:pk>/print/", views.roll_print, name="print"),
    path("lines/<int:pk>/return/", views.line_return, name="line_return"),
    path("lines/<int:pk>/reissue/", views.line_reissue, name="line_reissue"),
]

# A township's rolls are its books: its staff and the county's see them (404 for others);
# the services check who may generate, freeze, export and record returns.
url_permissions = {
    "list": StaffPage(),  # scoped list
    "generate": StaffPage(status=405),  # POST only
    "deductions": StaffPage(),
    "detail": ObjectPage(obj="payment_roll", level="township"),
    "freeze": ObjectPage(obj="payment_roll", level="township", status=405),
    "export": ObjectPage(obj="payment_roll", level="township"),
    "print": ObjectPage(obj="payment_roll", level="township"),
    "line_return": ObjectPage(obj="payment_roll_line", level="township", status=405),
    "line_reissue": ObjectPage(obj="payment_roll_line", level="township", status=405),
}

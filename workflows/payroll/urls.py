from django.urls import path

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

from django.urls import path

from workflows.core.permission_matrix import ObjectPage, PublicPage

from . import views

url_prefix = "verify"

urlpatterns = [
    path("download/<int:pk>/", views.download, name="download"),
    path("<str:token>/", views.verify, name="verify"),
]

url_permissions = {
    "download": ObjectPage(obj="document", level="case"),  # a case's stored document: the case's scope
    "verify": PublicPage(status=404, kwargs={"token": "unknown"}),  # QR verification: no login; unknown: 404
}

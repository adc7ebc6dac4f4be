from django.urls import path

from . import views

url_prefix = "verify"

urlpatterns = [
    path("download/<int:pk>/", views.download, name="download"),
    path("<str:token>/", views.verify, name="verify"),
]

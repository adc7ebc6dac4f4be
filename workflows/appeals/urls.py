from django.urls import path

from workflows.core.permission_matrix import ObjectPage, StaffPage
from workflows.core.viewsets import CaseFlowAppViewset

from . import views
from .flows import RedecisionFlow

flow_viewsets = [CaseFlowAppViewset(RedecisionFlow, icon="gavel")]

urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.appeal_new, name="new"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
]

# Appeals are kept with the township's cases: its staff and the county's see them.
url_permissions = {
    "list": StaffPage(),  # scoped list
    "new": StaffPage(),  # finds only cases the user may record on
    "detail": ObjectPage(obj="appeal", level="township"),
}

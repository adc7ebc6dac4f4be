from django.urls import path

from workflows.core.permission_matrix import CasePage
from workflows.core.viewsets import CaseFlowAppViewset

from . import views
from .flows import TemporaryAssistanceFlow

flow_viewsets = [CaseFlowAppViewset(TemporaryAssistanceFlow, icon="volunteer_activism")]

urlpatterns = [
    path("case/<int:process_pk>/reverse/", views.PaymentReverseView.as_view(), name="payment_reverse"),
]

url_permissions = {
    # 404 outside the user's regions (CaseScopeMiddleware); inside, the township approver of the
    # case's township or the county officer of its county, others 403 (TA18 3(3), domain.md §6).
    "payment_reverse": CasePage(
        process_model="temporary_assistance.temporaryassistanceprocess",
        codenames=frozenset({"act_approver", "act_county_officer"}),
    ),
}

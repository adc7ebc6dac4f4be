from django.urls import path

from workflows.core.permission_matrix import CasePage
from workflows.core.viewsets import CaseFlowAppViewset

from .flows import FinanceCheckFlow
from .views import DiscrepancyView

flow_viewsets = [CaseFlowAppViewset(FinanceCheckFlow, icon="manage_search")]

urlpatterns = [
    path("<int:process_pk>/discrepancies/", DiscrepancyView.as_view(), name="discrepancies"),
]

url_permissions = {
    # a case URL (process_pk): 404 outside the user's regions (CaseScopeMiddleware and the view)
    "discrepancies": CasePage(process_model="finance_check.financecheckprocess"),
}

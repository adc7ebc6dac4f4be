from django.urls import path

from workflows.core.viewsets import CaseFlowAppViewset

from .flows import FinanceCheckFlow
from .views import DiscrepancyView

flow_viewsets = [CaseFlowAppViewset(FinanceCheckFlow, icon="manage_search")]

urlpatterns = [
    path("<int:pk>/discrepancies/", DiscrepancyView.as_view(), name="discrepancies"),
]

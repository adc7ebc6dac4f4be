from workflows.core.viewsets import CaseFlowAppViewset

from .flows import TemporaryAssistanceFlow

flow_viewsets = [CaseFlowAppViewset(TemporaryAssistanceFlow, icon="volunteer_activism")]

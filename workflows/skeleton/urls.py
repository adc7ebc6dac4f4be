from workflows.core.viewsets import CaseFlowAppViewset

from .flows import SkeletonFlow

flow_viewsets = [CaseFlowAppViewset(SkeletonFlow, icon="fact_check")]

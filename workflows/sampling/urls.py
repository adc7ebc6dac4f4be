from django.urls import path
from viewflow.utils import viewprop

from workflows.core.permission_matrix import ObjectPage, StaffPage
from workflows.core.viewsets import CaseFlowAppViewset, ScopedInboxView, ScopedQueueView

from . import views
from .flows import SamplingReviewFlow
from .selectors import without_own_approvals


class SamplingQueueView(ScopedQueueView):
    """The queue, minus reviews of approvals the user acted on (SQL, constant query count)."""

    @viewprop
    def queryset(self):
        return without_own_approvals(super().queryset, self.request.user)


class SamplingInboxView(ScopedInboxView):
    @viewprop
    def queryset(self):
        return without_own_approvals(super().queryset, self.request.user)


class SamplingFlowAppViewset(CaseFlowAppViewset):
    queue_view_class = SamplingQueueView
    inbox_view_class = SamplingInboxView

    def get_context_data(self, request):
        context = super().get_context_data(request)
        return {key: without_own_approvals(qs, request.user) for key, qs in context.items()}


flow_viewsets = [SamplingFlowAppViewset(SamplingReviewFlow, icon="rule")]

urlpatterns = [
    path("", views.draw_list, name="draws"),
    path("draws/<int:pk>/", views.draw_detail, name="draw"),
    path("counties/<int:county_pk>/draw/", views.draw_new, name="draw_new"),
    path("report/<int:county_pk>/", views.report, name="report"),
    path("report/<int:county_pk>/export.csv", views.report_csv, name="report_csv"),
    path("report/<int:county_pk>/export.pdf", views.report_pdf, name="report_pdf"),
]

# Draws and reports are the county's supervision records: county staff only (404 for others).
url_permissions = {
    "draws": StaffPage(),  # every logged-in user; lists only the user's counties
    "draw": ObjectPage(obj="draw", level="county"),
    # only the county's reviewers draw (domain.md §7); other county staff 403, other counties 404
    "draw_new": ObjectPage(
        obj="county", level="county", param="county_pk", codenames=frozenset({"act_county_reviewer"})
    ),
    "report": ObjectPage(obj="county", level="county", param="county_pk"),
    "report_csv": ObjectPage(obj="county", level="county", param="county_pk"),
    "report_pdf": ObjectPage(obj="county", level="county", param="county_pk"),
}

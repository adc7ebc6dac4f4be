from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "workflows.portal"
    label = "portal"
    verbose_name = _("申请人服务")

    def ready(self):
        from viewflow.workflow.signals import task_finished

        from .receivers import on_correction_ordered, on_task_finished

        task_finished.connect(on_task_finished, dispatch_uid="portal.task_finished")
        try:
            from workflows.sampling.signals import correction_ordered
        except ImportError:  # sampling not installed
            return
        correction_ordered.connect(on_correction_ordered, dispatch_uid="portal.correction_ordered")

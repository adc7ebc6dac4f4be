from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "workflows.portal"
    label = "portal"
    verbose_name = _("申请人服务")

    def ready(self):
        from viewflow.workflow.signals import task_finished

        from workflows.core.audit import event_recorded

        from .receivers import on_audit_event, on_correction_ordered, on_task_finished

        task_finished.connect(on_task_finished, dispatch_uid="portal.task_finished")
        # MSL 18: the dibao service tells a failed check by a letter and this event (both check
        # paths, the flow's wait and the re-check after an objection, write it); no signal of its own
        event_recorded.connect(on_audit_event, dispatch_uid="portal.check_failure_notice")
        try:
            from workflows.sampling.signals import correction_ordered
        except ImportError:  # sampling not installed
            return
        correction_ordered.connect(on_correction_ordered, dispatch_uid="portal.correction_ordered")

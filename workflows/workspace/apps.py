from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "workflows.workspace"
    label = "workspace"
    verbose_name = _("工作台")

    def ready(self):
        from . import indexing, notifications

        indexing.connect()
        notifications.connect()

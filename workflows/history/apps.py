from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HistoryConfig(AppConfig):
    name = "workflows.history"
    label = "history"
    verbose_name = _("案件历史与审计")

    def ready(self):
        from . import signals

        signals.connect()

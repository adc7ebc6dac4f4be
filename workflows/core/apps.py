from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "workflows.core"
    label = "core"
    verbose_name = _("基础数据与配置")

    def ready(self):
        # Connects the sign-in receiver that starts the staff session clocks.
        from . import security  # noqa: F401

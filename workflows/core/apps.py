from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "workflows.core"
    label = "core"
    verbose_name = _("基础数据与配置")

    def ready(self) -> None:
        # Connect the receivers: sign-in starts the staff session clocks; a lockout is audited.
        from . import lockout, otp, security, sendback, working_days  # noqa: F401

        sendback.connect()
        from .scope import connect_access_receivers

        connect_access_receivers()
        # Savepoints sent only when a statement needs them (``savepoints``), on every connection.
        from django.db.backends.signals import connection_created

        from .savepoints import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="core.savepoints")

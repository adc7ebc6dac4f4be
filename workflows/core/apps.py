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
        # The declared separation rules as a table for the queue's SQL: written after every
        # migrate, checked by ``manage.py check --database default``.
        from django.core import checks
        from django.db.models.signals import post_migrate

        from .separation import check_rule_table, sync_rule_table_after_migrate

        post_migrate.connect(sync_rule_table_after_migrate, sender=self, dispatch_uid="core.separation_rules")
        checks.register(check_rule_table, checks.Tags.database)

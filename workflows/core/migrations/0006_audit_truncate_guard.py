"""Refuse TRUNCATE of the audit log on PostgreSQL (issue 18 item 7; see core/dbguards.py)."""

from django.db import migrations

from workflows.core.dbguards import truncate_guard


class Migration(migrations.Migration):
    dependencies = [("core", "0005_dibao_amount_rules")]

    operations = [truncate_guard("core_auditevent")]

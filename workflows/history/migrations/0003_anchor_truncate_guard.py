"""Refuse TRUNCATE of the history anchors on PostgreSQL (issue 18 item 7).

The row trigger of 0002 does not fire on TRUNCATE; a statement trigger
calling ``refuse_truncate()`` does (see workflows/core/dbguards.py).
"""

from django.db import migrations

from workflows.core.dbguards import truncate_guard


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0002_append_only_triggers"),
    ]

    operations = [truncate_guard("history_historyanchor")]

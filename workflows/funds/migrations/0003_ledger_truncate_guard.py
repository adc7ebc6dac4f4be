"""Refuse TRUNCATE of the reserve-fund ledger on PostgreSQL (issue 18 item 7).

The row trigger of 0002 does not fire on TRUNCATE; a statement trigger
calling ``refuse_truncate()`` does (see workflows/core/dbguards.py).
"""

from django.db import migrations

from workflows.core.dbguards import truncate_guard


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0002_ledger_append_only_trigger"),
    ]

    operations = [truncate_guard("funds_fundentry")]

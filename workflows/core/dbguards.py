"""Database-level guards of the append-only tables, for the migrations that install them.

The row triggers (history 0002, funds 0002) refuse UPDATE and DELETE; they do
not fire on TRUNCATE, a statement-level operation. ``truncate_guard(table)``
adds a ``BEFORE TRUNCATE ... FOR EACH STATEMENT`` trigger that raises, also
when the table is reached through ``TRUNCATE ... CASCADE`` of a table it
references. Only the table owner can switch it off (``ALTER TABLE ... DISABLE
TRIGGER``, which an attacker with the owner's rights could also do; see
``manage.py harden_audit_table`` for leaving the application's role without
them). PostgreSQL only: SQLite has no TRUNCATE.

The test runner's flush between transactional tests uses TRUNCATE: tests/conftest.py
switches these triggers off inside the flush's own transaction.
"""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

#: Tables whose TRUNCATE is refused (one migration per app adds its own).
GUARDED_TABLES = ("core_auditevent", "funds_fundentry", "history_historyanchor")

FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: TRUNCATE refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def trigger_name(table: str) -> str:
    return f"{table}_no_truncate"


def _create_function(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def truncate_guard(table: str) -> migrations.RunPython:
    """A migration operation adding (reverse: dropping) the TRUNCATE trigger of ``table``."""
    name = trigger_name(table)

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            _create_function(apps, schema_editor)  # idempotent: each app's migration stands alone
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();"
            )

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")

    return migrations.RunPython(forwards, backwards, elidable=False)

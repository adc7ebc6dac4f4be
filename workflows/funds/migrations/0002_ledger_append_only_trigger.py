"""On PostgreSQL, refuse UPDATE and DELETE of ledger rows in the database itself.

SQLite skips this (the model and queryset refuse there). TRUNCATE, used by
test teardown, is a statement-level operation and does not fire the trigger.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION funds_fundentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'funds_fundentry is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS funds_fundentry_append_only ON funds_fundentry;
CREATE TRIGGER funds_fundentry_append_only
    BEFORE UPDATE OR DELETE ON funds_fundentry
    FOR EACH ROW EXECUTE FUNCTION funds_fundentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS funds_fundentry_append_only ON funds_fundentry;
DROP FUNCTION IF EXISTS funds_fundentry_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]

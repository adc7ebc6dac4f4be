"""``manage.py harden_audit_table --app-role NAME [--print]`` (PostgreSQL only).

Run as the schema owner (the migration role). Leaves the application's role
only SELECT and INSERT on the append-only tables, so even without the
triggers it cannot UPDATE, DELETE or TRUNCATE audit rows, nor drop or disable
the triggers (that needs table ownership).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

TABLES = ["core_auditevent", "history_historyanchor"]


def statements(role: str) -> list[str]:
    quoted = connection.ops.quote_name(role)
    out = []
    for table in TABLES:
        out.append(f"REVOKE ALL ON {table} FROM {quoted};")
        out.append(f"GRANT SELECT, INSERT ON {table} TO {quoted};")
    return out


class Command(BaseCommand):
    help = "Restrict the application's DB role to SELECT/INSERT on the audit tables (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="the role the application connects as")
        parser.add_argument("--print", action="store_true", dest="print_only", help="print the SQL, do not run it")

    def handle(self, *args, app_role, print_only=False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("harden_audit_table works on PostgreSQL only")
        sql = statements(app_role)
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                if sequence:
                    sql.append(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {connection.ops.quote_name(app_role)};")
            for statement in sql:
                self.stdout.write(statement)
                if not print_only:
                    cursor.execute(statement)
        if not print_only:
            self.stdout.write(self.style.SUCCESS(f"role {app_role}: SELECT, INSERT only on {', '.join(TABLES)}"))

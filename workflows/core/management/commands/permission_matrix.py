"""``manage.py permission_matrix [--markdown]``: print the generated permission matrix.

docs/permissions.md includes the ``--markdown`` output; regenerate it after
adding URLs. Without ``--markdown`` it lists URLs that have no matrix entry.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflows.core import permission_matrix as pm


class Command(BaseCommand):
    help = "Print the permission matrix (every URL x role -> expected status)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--markdown", action="store_true", help="Markdown table for docs/permissions.md")

    def handle(self, *args: Any, markdown: bool = False, **options: Any) -> None:
        if markdown:
            self.stdout.write(pm.markdown())
            return
        missing = [e for e in pm.url_entries() if e.kind is None]
        for e in missing:
            self.stdout.write(f"unmapped: {e.route} ({e.name})")
        self.stdout.write(f"{len(pm.url_entries())} URLs, {len(missing)} without an entry")

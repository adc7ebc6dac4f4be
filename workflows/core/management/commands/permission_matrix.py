"""``manage.py permission_matrix [--markdown]``: print the generated permission matrix.

docs/permissions.md includes the ``--markdown`` output; regenerate it after
adding URLs. Without ``--markdown`` it lists URLs that have no matrix entry.
"""

from django.core.management.base import BaseCommand

from workflows.core import permission_matrix as pm


class Command(BaseCommand):
    help = "Print the permission matrix (every URL x role -> expected status)."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="Markdown table for docs/permissions.md")

    def handle(self, *args, markdown=False, **options):
        if markdown:
            self.stdout.write(pm.markdown())
            return
        missing = [e for e in pm.url_entries() if e.kind is None]
        for e in missing:
            self.stdout.write(f"unmapped: {e.route} ({e.name})")
        self.stdout.write(f"{len(pm.url_entries())} URLs, {len(missing)} without an entry")

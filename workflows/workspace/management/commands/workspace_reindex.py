from django.core.management.base import BaseCommand

from workflows.workspace.indexing import rebuild_case_index


class Command(BaseCommand):
    help = "Rebuild the workspace case index (one row per case) from the flows' process tables."

    def handle(self, *args, **options):
        count = rebuild_case_index()
        self.stdout.write(f"{count} cases indexed")

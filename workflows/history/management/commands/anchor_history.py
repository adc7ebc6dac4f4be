"""``manage.py anchor_history``: record today's anchor over every chain head (beat runs it daily)."""

from django.core.management.base import BaseCommand

from workflows.history.services import anchor_create


class Command(BaseCommand):
    help = "Anchor every audit chain head (daily; makes deleting a whole case detectable)."

    def handle(self, *args, **options):
        anchor = anchor_create()
        self.stdout.write(
            f"anchor {anchor.pk} {anchor.day}: {anchor.chain_count} chains, {anchor.event_count} events, hash {anchor.hash}"
        )

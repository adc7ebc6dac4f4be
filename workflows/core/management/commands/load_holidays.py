from django.core.management.base import BaseCommand

from workflows.core.working_days import load_from_library


class Command(BaseCommand):
    help = "Load public holidays and make-up working days from the chinesecalendar package (idempotent)."

    def handle(self, *args, **options):
        created = load_from_library()
        self.stdout.write(f"calendar rows created: {created}")

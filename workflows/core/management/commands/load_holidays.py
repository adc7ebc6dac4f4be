from typing import Any

from django.core.management.base import BaseCommand

from workflows.core.working_days import library_years, load_from_library, loaded_years


class Command(BaseCommand):
    help = (
        "Load public holidays and make-up working days from the chinesecalendar package (idempotent). "
        "Years the package carries are marked loaded; stored deadlines are recomputed when rows were added. "
        "Upgrade the package (requirements.txt) when it publishes a new year."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_from_library()
        carried, loaded = sorted(library_years()), sorted(loaded_years())
        self.stdout.write(f"calendar rows created: {created}")
        self.stdout.write(
            f"library carries {carried[0]}-{carried[-1]}; last loaded year: {loaded[-1] if loaded else '-'}"
        )

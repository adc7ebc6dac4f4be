"""Fill the database with the demo county and cases in every stage.

Each app contributes a ``demo.py`` with ``seed(region, stdout)``; cases are
made by driving the real flows (``workflows.core.driving``), never by writing
rows. Re-running is safe: each app's seed is idempotent.
"""

from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from workflows.core import demo as core_demo
from workflows.core.models import StaffAssignment


class Command(BaseCommand):
    help = "Create the demo county, staff, rules and cases in every stage (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            region = core_demo.seed(stdout=self.stdout)
        for config in apps.get_app_configs():
            if not config.name.startswith("workflows.") or config.name == "workflows.core":
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError:
                continue
            module.seed(region, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
        self.stdout.write(f"logins (password: {settings.DEMO_PASSWORD}):")
        # Every staff account, including those other apps' demos add (e.g. second case workers).
        assignments = StaffAssignment.objects.active().select_related("user", "county", "township", "village")
        for assignment in assignments.order_by("user__username", "role"):
            self.stdout.write(f"  {assignment}")

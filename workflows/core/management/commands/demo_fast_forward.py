"""Demo only: ``manage.py demo_fast_forward CASE_NUMBER`` lets the case's running timer run out now."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflows.core.demo_clock import case_fast_forward


class Command(BaseCommand):
    help = "Demo only: make a case's running timer (7-day notice, paperwork deadline) due now and fire it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case_number")

    def handle(self, *args: Any, case_number: str, **options: Any) -> None:
        try:
            result = case_fast_forward(case_number=case_number)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(" ".join(str(m) for m in getattr(exc, "messages", [exc]))) from exc
        self.stdout.write(f"{result.case_number}: {'、'.join(result.timers)} → fired {result.fired}")

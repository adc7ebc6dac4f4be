"""``manage.py staff_second_factor_reset USERNAME``: the break-glass reset of a staff
member's second factor when no administrator can sign in to do it in the admin (the only
administrator lost their phone and recovery codes). Audited like the admin's action, with
no actor: the operator's shell session is the record of who ran it."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflows.core.otp import second_factor_reset


class Command(BaseCommand):
    help = "Remove a user's TOTP authenticator and recovery codes (audited); they enrol again at the next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        removed = second_factor_reset(user=user, actor=None)
        if removed:
            self.stdout.write(f"{username}: {removed} second-factor device(s) removed; enrolment at next sign-in")
        else:
            self.stdout.write(f"{username}: no second factor enrolled, nothing to reset")

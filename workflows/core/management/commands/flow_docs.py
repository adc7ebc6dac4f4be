"""``manage.py flow_docs [--check]``: regenerate the flow diagrams of docs/flows/*.md from
the flow classes (see ``workflows.core.flowdocs``); ``--check`` changes nothing and fails
when a committed diagram is stale."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflows.core import flowdocs


class Command(BaseCommand):
    help = "Regenerate the mermaid flow diagrams in docs/flows/*.md from the flow classes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail when a committed diagram is stale")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        if check:
            stale = flowdocs.stale_documents()
            if stale:
                names = ", ".join(p.name for p in stale)
                raise CommandError(f"stale flow diagrams in {names}: run `make docs`")
            self.stdout.write("flow diagrams up to date")
            return
        for path in flowdocs.write_documents():
            self.stdout.write(f"rewrote {path}")

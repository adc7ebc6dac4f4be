"""``manage.py verify_draw <id> [<id> ...]``: re-run stored draws from their seed; exit 1 on any mismatch."""

import sys

from django.core.management.base import BaseCommand, CommandError

from workflows.sampling.models import SamplingDraw
from workflows.sampling.services import verify_draw


class Command(BaseCommand):
    help = "Recompute sampling draws from the stored seed, ratio and pool; exit code 1 on mismatch."

    def add_arguments(self, parser):
        parser.add_argument("draw_ids", nargs="+", type=int)

    def handle(self, *args, draw_ids, **options):
        failed = False
        for draw_id in draw_ids:
            draw = SamplingDraw.objects.filter(pk=draw_id).first()
            if draw is None:
                raise CommandError(f"draw {draw_id} does not exist")
            matches, missing, unexpected = verify_draw(draw)
            if matches:
                self.stdout.write(f"draw {draw_id}: OK ({draw.drawn_count} cases, seed {draw.seed})")
            else:
                failed = True
                self.stderr.write(f"draw {draw_id}: MISMATCH missing={missing} unexpected={unexpected}")
        if failed:
            sys.exit(1)

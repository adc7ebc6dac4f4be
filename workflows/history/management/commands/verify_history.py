"""``manage.py verify_history [--case PK] [--chain CHAIN]``: recompute audit chains.

Prints "OK <n> chains, <m> events" or one line per broken chain with the case,
the position (seq) of the first broken link and the reason; exits 1 on any break.
"""

from django.core.management.base import BaseCommand, CommandError

from workflows.history.services import history_verify


class Command(BaseCommand):
    help = "Recompute the audit hash chains and check them against the latest daily anchor."

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, action="append", dest="cases", help="process pk (repeatable)")
        parser.add_argument("--chain", action="append", dest="chains", help="chain key, e.g. fund:3 (repeatable)")

    def handle(self, *args, cases=None, chains=None, **options):
        selected = None
        if cases or chains:
            selected = [f"case:{pk}" for pk in cases or []] + list(chains or [])
        result = history_verify(chains=selected)
        for problem in result.anchor_problems:
            self.stderr.write(f"BROKEN {problem}")
        for brk in result.breaks:
            case = f"case {brk.process_id}" if brk.process_id is not None else "chain"
            self.stderr.write(f"BROKEN {case} chain={brk.chain} position={brk.seq}: {brk.reason} ({brk.reason_label})")
        report = result.report
        anchor = f", anchor {result.anchor.day} {result.anchor.hash[:16]}" if result.anchor else ", no anchor yet"
        if not result.ok:
            self.stderr.write(
                f"FAILED {len(result.breaks) + len(result.anchor_problems)} problem(s) in "
                f"{report.chains} chains, {report.events} events{anchor}"
            )
            raise CommandError("audit history verification failed", returncode=1)
        self.stdout.write(f"OK {report.chains} chains, {report.events} events{anchor}")

"""Run the sandbox registry service in the foreground (the demo starts it in the background).

.venv/bin/python manage.py registry_sandbox --port 8765 [--latency-ms 200] [--token T]
"""

from django.core.management.base import BaseCommand

from workflows.finance_check.sandbox.server import SandboxServer


class Command(BaseCommand):
    help = "Serve the sandbox registries (MSL 17 data sources) over HTTP until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--latency-ms", type=int, default=0, help="latency of every source, in milliseconds")
        parser.add_argument("--token", default="", help="require 'Authorization: Bearer <token>'")
        parser.add_argument("--verbose", action="store_true", help="log every request")

    def handle(self, *args, host, port, latency_ms, token, verbose, **options):
        server = SandboxServer(host, port, token=token, verbose=verbose)
        if latency_ms:
            server.set_mode("*", latency_ms=latency_ms)
        self.stdout.write(f"registry sandbox listening on {server.url} (latency {latency_ms} ms); Ctrl-C to stop")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()

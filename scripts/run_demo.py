#!/usr/bin/env python
"""Start the embedded demo: registry sandbox, migrate, seed, serve.

SQLite and in-process (eager) Celery unless DATABASE_URL / CELERY_BROKER_URL
say otherwise. The seed always runs eagerly (it drives flows step by step); with
CELERY_BROKER_URL set, a Celery worker serves the running demo. Stops the
sandbox and the worker when the server stops (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True, env=env)


def start_worker() -> subprocess.Popen | None:
    if not os.environ.get("CELERY_BROKER_URL"):
        return None  # eager: tasks run inside the web process
    print("celery worker on " + os.environ["CELERY_BROKER_URL"])
    return subprocess.Popen([PY, "-m", "celery", "-A", "project", "worker", "-l", "WARNING", "-c", "2"], cwd=ROOT)


def has_command(name: str) -> bool:
    out = subprocess.run([PY, "manage.py", "help", "--commands"], cwd=ROOT, capture_output=True, text=True)
    return name in out.stdout.split()


def start_sandbox(port: int) -> subprocess.Popen | None:
    """Start the sandbox (``port`` 0: a free port it picks) and point the demo at the address it printed."""
    if not has_command("registry_sandbox"):
        return None
    proc = subprocess.Popen(
        [PY, "-u", "manage.py", "registry_sandbox", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = None
    for line in proc.stdout:  # "registry sandbox listening on http://127.0.0.1:NNNNN (...)"
        found = re.search(r"http://[\d.]+:\d+", line)
        if found:
            url = found[0]
            break
    if url is None:
        print("registry sandbox did not start; the demo checks will wait for written documents")
        return proc
    # Keep draining its output so the pipe never fills.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    os.environ["REGISTRY_SANDBOX_URL"] = url
    print(f"registry sandbox on {url}/")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    # 0: a free port (the demo never depends on, or collides with, a fixed one).
    parser.add_argument("--sandbox-port", type=int, default=int(os.environ.get("REGISTRY_SANDBOX_PORT", "0")))
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")
    # SMS texts, e-mails and letter QR codes carry absolute links; in the demo they point
    # at this server (a relative "/portal/status/" in a text message leads nowhere).
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    if args.sandbox_port and args.sandbox_port == int(args.port):  # keep the two apart
        args.sandbox_port += 1
    sandbox = start_sandbox(args.sandbox_port)
    worker = None
    try:
        manage("migrate", "--noinput", "-v0")
        manage("seed_demo", env={k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"})
        worker = start_worker()
        print(f"\n  Demo: http://{args.host}:{args.port}/  (password for every demo login: "
              f"{os.environ.get('DEMO_PASSWORD', 'demo-pass-2026')})\n")  # fmt: skip
        manage("runserver", f"{args.host}:{args.port}", "--noreload")
    except KeyboardInterrupt:
        pass
    finally:
        for proc in (worker, sandbox):
            if proc:
                proc.terminate()


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Start the embedded demo: registry sandbox, migrate, seed, serve.

SQLite and in-process (eager) Celery unless DATABASE_URL / CELERY_BROKER_URL
say otherwise. Stops the sandbox when the server stops (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def has_command(name: str) -> bool:
    out = subprocess.run([PY, "manage.py", "help", "--commands"], cwd=ROOT, capture_output=True, text=True)
    return name in out.stdout.split()


def start_sandbox(port: int) -> subprocess.Popen | None:
    if not has_command("registry_sandbox"):
        return None
    proc = subprocess.Popen([PY, "manage.py", "registry_sandbox", "--port", str(port)], cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(50):
        try:
            urllib.request.urlopen(url, timeout=0.5)
            break
        except OSError:
            time.sleep(0.1)
    os.environ["REGISTRY_SANDBOX_URL"] = f"http://127.0.0.1:{port}"
    print(f"registry sandbox on {url}")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--sandbox-port", type=int, default=int(os.environ.get("REGISTRY_SANDBOX_PORT", "8765")))
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")
    sandbox = start_sandbox(args.sandbox_port)
    try:
        manage("migrate", "--noinput", "-v0")
        manage("seed_demo")
        print(f"\n  Demo: http://{args.host}:{args.port}/  (password for every demo login: "
              f"{os.environ.get('DEMO_PASSWORD', 'demo-pass-2026')})\n")  # fmt: skip
        manage("runserver", f"{args.host}:{args.port}", "--noreload")
    except KeyboardInterrupt:
        pass
    finally:
        if sandbox:
            sandbox.terminate()


if __name__ == "__main__":
    main()

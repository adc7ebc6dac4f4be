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
import subprocess
import sys
import time
import urllib.request
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
    # SMS texts, e-mails and letter QR codes carry absolute links; in the demo they point
    # at this server (a relative "/portal/status/" in a text message leads nowhere).
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    if args.sandbox_port == int(args.port):  # e.g. `make demo PORT=8765`: keep the two apart
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

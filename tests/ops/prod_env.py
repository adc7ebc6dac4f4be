"""A generated production environment for subprocesses (never contacts its services)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY_VARS = {
    "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "DEBUG",
    "CACHE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "STATIC_ROOT",
}  # fmt: skip


def production_env(**extra: str) -> dict[str, str]:
    """The process environment minus deploy variables, plus a complete production set."""
    env = {k: v for k, v in os.environ.items() if k not in DEPLOY_VARS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": "postgres://app@db.example:5432/dibao",
            "CELERY_BROKER_URL": "redis://redis.example:6379/0",
            "CACHE_URL": "redis://redis.example:6379/1",
            "PUBLIC_BASE_URL": "https://dibao.example.org",
        }
    )
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )

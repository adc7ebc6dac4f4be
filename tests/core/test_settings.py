"""Production settings refuse to start without secrets and pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD_KEY = "k8#Zq2!vL0pX7@rT5^mN3&bY6*cW1(eH4)uJ9_sD-fG+aQ=oP~iK"


def run_manage(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings.production", **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    """No SECRET_KEY -> ImproperlyConfigured naming the variable."""
    result = run_manage("check", env_extra={"ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    """No ALLOWED_HOSTS -> ImproperlyConfigured naming the variable."""
    result = run_manage("check", env_extra={"SECRET_KEY": GOOD_KEY})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    """With the required environment, `check --deploy` reports no issues at all."""
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env_extra={"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "dibao.example.org"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

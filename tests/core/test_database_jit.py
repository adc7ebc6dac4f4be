"""PostgreSQL sessions run without JIT compilation (issue 19: a 0.4 ms statement spent 31 ms
compiling; a 低保 case ran 60 % longer with it). ``DATABASE_JIT=1`` turns it back on."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import requires_postgres

ROOT = Path(__file__).resolve().parent.parent.parent

DUMP = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps(settings.DATABASES["default"].get("OPTIONS", {})))
"""


def database_options(tmp_path, **env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_JIT", "DJANGO_SETTINGS_MODULE")}
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings.local", "DATA_DIR": str(tmp_path), **env_extra})
    result = subprocess.run(
        [sys.executable, "-c", DUMP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgres_connections_ask_for_no_jit(tmp_path):
    """DATABASE_URL naming PostgreSQL: every connection starts with ``jit=off``."""
    options = database_options(tmp_path, DATABASE_URL="postgres://app@db.example:5432/dibao")
    assert options["options"] == "-c jit=off"


def test_database_jit_turns_it_back_on(tmp_path):
    """``DATABASE_JIT=1``: the server's own setting applies (no option sent)."""
    options = database_options(tmp_path, DATABASE_URL="postgres://app@db.example:5432/dibao", DATABASE_JIT="1")
    assert "jit" not in options.get("options", "")


def test_sqlite_gets_no_postgres_option(tmp_path):
    """The demo's SQLite connection is given no PostgreSQL option (it would refuse it)."""
    assert "options" not in database_options(tmp_path)


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db
def test_the_live_session_runs_without_jit():
    """The test database's own session: ``SHOW jit`` says off."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"

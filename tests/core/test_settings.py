"""Settings come from the environment (issue 2, must-have 2).

With no environment: the embedded demo (SQLite under DATA_DIR, eager Celery,
DEBUG, zh-Hans with English, Asia/Shanghai). DATABASE_URL / CELERY_BROKER_URL
select PostgreSQL / Redis. Production refuses to start without its secrets and
passes ``check --deploy``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD_KEY = "k8#Zq2!vL0pX7@rT5^mN3&bY6*cW1(eH4)uJ9_sD-fG+aQ=oP~iK"


DEPLOY_VARS = {
    "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "DEBUG",
    "CACHE_URL", "REDIS_URL", "DATABASE_JIT",
}  # fmt: skip
# A production environment's services (never contacted by `check`).
SERVICES = {
    "DATABASE_URL": "postgres://app@db.example:5432/dibao",
    "CELERY_BROKER_URL": "redis://redis.example:6379/0",
    "CACHE_URL": "redis://redis.example:6379/1",
    "PUBLIC_BASE_URL": "https://dibao.example.org",
}


def run_manage(*args, env_extra, services=SERVICES):
    env = {k: v for k, v in os.environ.items() if k not in DEPLOY_VARS}
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings.production", **services, **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


DUMP = """
import json, django
django.setup()
from django.conf import settings
from project.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": app.conf.broker_url, "debug": settings.DEBUG, "language": settings.LANGUAGE_CODE,
    "languages": [code for code, _ in settings.LANGUAGES], "tz": settings.TIME_ZONE,
    "db_options": db.get("OPTIONS", {}),
}))
"""


def local_settings(env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in DEPLOY_VARS}
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings.local", "DATA_DIR": str(tmp_path), **env_extra})
    result = subprocess.run(
        [sys.executable, "-c", DUMP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_environment_gives_the_embedded_demo(tmp_path):
    """No environment: SQLite file in DATA_DIR, eager Celery on the in-memory
    transport (never a default AMQP broker), DEBUG on, zh-Hans with English, Asia/Shanghai."""
    got = local_settings({}, tmp_path)
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["name"] == str(tmp_path / "db.sqlite3")
    assert got["eager"] is True
    assert got["broker"] == "memory://localhost//"
    assert got["debug"] is True
    assert got["language"] == "zh-hans"
    assert got["languages"] == ["zh-hans", "en"]
    assert got["tz"] == "Asia/Shanghai"


def test_environment_selects_postgres_and_redis(tmp_path):
    """DATABASE_URL selects PostgreSQL; CELERY_BROKER_URL selects Redis and switches eager mode off."""
    got = local_settings(
        {"DATABASE_URL": "postgres://app@db.example:5432/dibao", "CELERY_BROKER_URL": "redis://redis.example:6379/3"},
        tmp_path,
    )
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["name"] == "dibao"
    assert got["eager"] is False
    assert got["broker"] == "redis://redis.example:6379/3"


def test_postgres_connections_ask_for_no_jit(tmp_path):
    """DATABASE_URL naming PostgreSQL: every connection starts with ``jit=off`` (issue 19: a
    0.4 ms statement spent 31 ms JIT-compiling); ``DATABASE_JIT=1`` leaves the server's own
    setting; the demo's SQLite gets no PostgreSQL option."""
    postgres = {"DATABASE_URL": "postgres://app@db.example:5432/dibao"}
    assert local_settings(postgres, tmp_path)["db_options"]["options"] == "-c jit=off"
    jit = local_settings({**postgres, "DATABASE_JIT": "1"}, tmp_path)["db_options"]
    assert "jit" not in jit.get("options", "")
    assert "options" not in local_settings({}, tmp_path)["db_options"]


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


def test_production_refuses_an_empty_allowed_hosts_list():
    """ALLOWED_HOSTS made only of separators names no host -> refused."""
    result = run_manage("check", env_extra={"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": " , "})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_refuses_a_short_secret_key():
    """A SECRET_KEY shorter than 50 characters is refused, not merely warned about."""
    result = run_manage("check", env_extra={"SECRET_KEY": "short-key", "ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "services, named",
    [
        ({**SERVICES, "DATABASE_URL": ""}, "DATABASE_URL"),
        ({**SERVICES, "DATABASE_URL": "sqlite:////tmp/prod.sqlite3"}, "PostgreSQL"),
        ({**SERVICES, "CELERY_BROKER_URL": ""}, "CELERY_BROKER_URL"),
        ({**SERVICES, "PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL"),
        ({**SERVICES, "CACHE_URL": ""}, "CACHE_URL"),
        ({**SERVICES, "CACHE_URL": "locmemcache://"}, "Redis"),
    ],
)
def test_production_refuses_sqlite_no_broker_or_no_public_url(services, named):
    """Production needs PostgreSQL (row locks guard the funds and flows), a broker (worker, beat,
    timers), the public origin printed in letters' QR codes and a shared Redis cache (throttles count
    across workers): without one it refuses to start, naming what is missing."""
    result = run_manage(
        "check", env_extra={"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "dibao.example.org"}, services=services
    )
    assert result.returncode != 0
    assert named in result.stderr


DUMP_CACHE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({"cache": settings.CACHES["default"], "axes": settings.AXES_HANDLER}))
"""


@pytest.mark.parametrize("variable", ["CACHE_URL", "REDIS_URL"])
def test_production_cache_is_the_shared_redis(variable):
    """Production's default cache (portal throttle, API client rate) is Redis at CACHE_URL, or REDIS_URL
    if only that is set; axes keeps its database handler (lockouts in PostgreSQL, shared by all workers)."""
    env = {k: v for k, v in os.environ.items() if k not in DEPLOY_VARS}
    services = {k: v for k, v in SERVICES.items() if k != "CACHE_URL"}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "project.settings.production", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a.example"}
    )
    env.update({**services, variable: "redis://cache.example:6379/4"})
    result = subprocess.run(
        [sys.executable, "-c", DUMP_CACHE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["cache"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache.example:6379/4",
    }  # fmt: skip
    assert got["axes"] == "axes.handlers.database.AxesDatabaseHandler"


def test_production_passes_check_deploy_without_warnings():
    """With the required environment, `check --deploy` reports no issues at all."""
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env_extra={"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "dibao.example.org"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_beat_schedule_names_registered_idempotent_tasks(settings):
    """Every beat entry names a task Celery knows (a typo would fail silently in
    beat), and each is acks_late so a killed worker's run is redone."""
    from project.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        assert app.tasks[entry["task"]].acks_late, name


def test_beat_fires_viewflow_timers(settings, monkeypatch):
    """The beat entry "fire-workflow-timers" runs viewflow's fire_due_timers."""
    import viewflow.workflow.timers

    from project.celery import app

    app.loader.import_default_modules()
    calls = []
    monkeypatch.setattr(viewflow.workflow.timers, "fire_due_timers", lambda: calls.append(1) or 2)
    task = app.tasks[settings.CELERY_BEAT_SCHEDULE["fire-workflow-timers"]["task"]]
    assert task.apply().get() == 2
    assert calls == [1]

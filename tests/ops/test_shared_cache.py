"""The default cache is shared by separate processes when CACHE_URL names Redis, so the portal
throttle counts across gunicorn workers (issue 18, item 2)."""

from __future__ import annotations

import json
import os
import uuid

import pytest

from tests.conftest import requires_broker

from .prod_env import run_python

pytestmark = requires_broker

COUNT = """
import json, sys, django
django.setup()
from django.conf import settings
from django.core.cache import cache
assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), settings.CACHES
key, times = sys.argv[1], int(sys.argv[2])
cache.add(key, 0, 60)
for _ in range(times):
    value = cache.incr(key)
print(json.dumps({"value": value}))
"""

THROTTLE = """
import json, sys, django
django.setup()
from workflows.portal import throttle
address, mode = sys.argv[1], sys.argv[2]
if mode == "exhaust":
    failed = 0
    while failed < 1000 and not throttle.lookup_throttled(address=address):
        throttle.lookup_failed(address=address, case_number=f"DB-{failed}", factor="otp")
        failed += 1
    print(json.dumps({"allowed": failed}))
else:
    print(json.dumps({"allowed": not throttle.lookup_throttled(address=address)}))
"""


def redis_url() -> str:
    url = os.environ["CELERY_BROKER_URL"]
    if not url.startswith("redis"):
        pytest.skip("needs Redis as the broker")
    return url


def in_process(code: str, *args: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.test", "CACHE_URL": redis_url()}
    env.pop("REDIS_URL", None)
    result = run_python(code, env, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_processes_count_on_one_counter():
    """Two processes, each with its own cache client, increment one key: the second sees the first's counts."""
    key = f"test:shared:{uuid.uuid4().hex}"
    assert in_process(COUNT, key, "3") == {"value": 3}
    assert in_process(COUNT, key, "2") == {"value": 5}


def test_portal_throttle_counts_across_processes():
    """Once one process has used up an address's free failed lookups, another process makes that
    address wait too (it was per process with LocMem: 4 workers let 4 times the limit through)."""
    address = f"198.51.100.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:8]}"
    exhausted = in_process(THROTTLE, address, "exhaust")["allowed"]
    assert 0 < exhausted < 1000
    assert in_process(THROTTLE, address, "again") == {"allowed": False}

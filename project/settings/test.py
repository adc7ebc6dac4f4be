"""Settings for pytest: the local settings with fast hashing.

DATABASE_URL and CELERY_BROKER_URL still apply, so the same suite runs on
SQLite (eager Celery) and on PostgreSQL + Redis (real broker; tests that need a
worker start one).
"""

import os

from .local import *  # noqa: F403
from .local import BASE_DIR, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each xdist worker (gw0, gw1, ...; its Celery worker processes inherit the variable) has its
# own media folder: their test databases number cases alike, so their files would share names.
MEDIA_ROOT = env.path(
    "MEDIA_ROOT", default=str(BASE_DIR / "data" / "test-media" / os.environ.get("PYTEST_XDIST_WORKER", ""))
)
# Tests run eagerly unless a test explicitly starts a real worker (see
# tests/conftest.py::celery_worker_process); the broker URL is kept for it.
CELERY_TASK_ALWAYS_EAGER = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
LANGUAGE_CODE = "zh-hans"
# An audit action missing from workflows/core/events.py fails the test that writes it
# (production only logs it: see workflows.core.events.check_action).
AUDIT_STRICT_ACTIONS = True
# The generic workspace and separation tests drive the small sample flow (流程样板); the
# tests of what staff see without it set this back (tests/workspace/test_sample_flow.py).
SAMPLE_FLOW_VISIBLE = True
# No registry answers in most tests (the sandbox is started only where a test needs it), so
# every finance check retries refused sources: at the production backoff (2 s, doubling) that
# slept 14 s inside the request that queued it (eagerly), e.g. the applicant's "submit" in the
# browser journeys. Tests of the backoff itself set their own value.
FINANCE_CHECK_RETRY_BACKOFF = env.float("FINANCE_CHECK_RETRY_BACKOFF", default=0.01)

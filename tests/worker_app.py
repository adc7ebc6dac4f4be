"""Celery app for worker processes started by tests: points Django at the test database."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.test")

import django
from django.conf import settings

django.setup()
# pytest-django created "test_<name>"; the worker must use the same database.
test_db = os.environ.get("WORKER_TEST_DB_NAME")
if test_db:
    settings.DATABASES["default"]["NAME"] = test_db
settings.CELERY_TASK_ALWAYS_EAGER = False

from project.celery import app  # noqa: E402

app.conf.task_always_eager = False
app.conf.task_default_queue = os.environ.get("CELERY_QUEUE", "celery")

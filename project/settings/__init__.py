"""Settings are layered; pick one with DJANGO_SETTINGS_MODULE.

- ``base``: everything shared. Reads the environment (django-environ); never
  imported directly.
- ``local`` (default of manage.py): the embedded demo. With no environment it
  uses a SQLite file under ``DATA_DIR`` and runs Celery tasks eagerly in-process.
  ``DATABASE_URL`` switches to PostgreSQL, ``CELERY_BROKER_URL`` to Redis and a
  real worker.
- ``test``: local plus fast password hashing; used by pytest.
- ``production``: refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``
  and passes ``manage.py check --deploy`` with no warnings.
"""

"""Applicant notifications: pluggable SMS and e-mail backends and per-stage texts.

- ``backends``: ``SmsBackend`` interface, ``ConsoleSmsBackend`` (demo),
  ``HttpSmsBackend`` (a generic HTTP SMS gateway: signed JSON POST, raises on
  any non-2xx answer or timeout so Celery retries), ``EmailBackend`` (Django e-mail).
- ``messages``: renders ``templates/portal/notifications/<language>/<stage>.txt``.

Texts never contain ID numbers, bank accounts or addresses; recipients are
logged masked.
"""

"""Applicant notifications: pluggable SMS and e-mail backends and per-stage texts.

- ``backends``: ``SmsBackend`` interface, ``ConsoleSmsBackend`` (demo),
  ``ProviderSmsBackend`` (the provider stub: builds the provider request and,
  until a provider is contracted, logs it), ``EmailBackend`` (Django e-mail).
- ``messages``: renders ``templates/portal/notifications/<language>/<stage>.txt``.

Texts never contain ID numbers, bank accounts or addresses; recipients are
logged masked.
"""

"""The embedded demo and development settings (the default of manage.py)."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env

DEBUG = env.bool("DEBUG", default=True)
# manage.py demo_fast_forward: lets a newcomer carry a case through the 7-day notice.
DEMO_TOOLS = env.bool("DEMO_TOOLS", default=True)

DATA_DIR.mkdir(parents=True, exist_ok=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")  # staff notifications

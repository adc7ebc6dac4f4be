"""The embedded demo and development settings (the default of manage.py)."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env

DEBUG = env.bool("DEBUG", default=True)
# manage.py demo_fast_forward: lets a newcomer carry a case through the 7-day notice.
DEMO_TOOLS = env.bool("DEMO_TOOLS", default=True)
# The sample flow (流程样板) stays out of the staff pages unless SAMPLE_FLOW_VISIBLE=1.
SAMPLE_FLOW_VISIBLE = env.bool("SAMPLE_FLOW_VISIBLE", default=False)

DATA_DIR.mkdir(parents=True, exist_ok=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")  # staff notifications

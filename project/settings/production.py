"""Production settings. Refuse to start without the secrets they need."""

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from .base import *  # noqa: F403
from .base import CACHE_URL, env


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"Production settings need the {name} environment variable.")
    return value


DEBUG = False
# Approvers, county roles and administrators sign in with a TOTP code (docs/security.md V2).
STAFF_OTP_REQUIRED = env.bool("STAFF_OTP_REQUIRED", default=True)
# Never in production: nothing may cut a public notice short (MSL 19).
DEMO_TOOLS = False
SECRET_KEY = _required("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters with 5 distinct ones.")
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name at least one host.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# PostgreSQL is not optional: the reserve-fund ledger and every flow rely on row locks
# (select_for_update), which SQLite silently ignores.
_required("DATABASE_URL")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production settings need a PostgreSQL DATABASE_URL (postgres://...).")
# Without a broker Celery would run tasks inside the web request and no worker or beat
# would exist: registry checks, timers and deadline alerts would never run.
_required("CELERY_BROKER_URL")
# A cache shared by all gunicorn workers: with per-process LocMem the portal throttle counted
# per worker (4 workers let 40 guesses through instead of 10). django-axes keeps its database
# handler: attempts and lockouts are in PostgreSQL, already shared by every worker, survive a
# Redis restart, and are what the admin lists and unlocks.
if not CACHE_URL:
    raise ImproperlyConfigured(
        "Production settings need the CACHE_URL (or REDIS_URL) environment variable (redis://...)."
    )
if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("CACHE_URL must point at Redis (redis://... or rediss://...).")
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Printed in the QR code of every letter and in applicants' SMS: a relative link is useless on paper.
PUBLIC_BASE_URL = _required("PUBLIC_BASE_URL").rstrip("/")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed, served by whitenoise; tolerates dead links in packages' CSS (project/storage.py).
    "staticfiles": {"BACKEND": "project.storage.TolerantManifestStaticFilesStorage"},
}
# collectstatic skips package files no page loads (project/apps.py).
INSTALLED_APPS = [
    "project.apps.StaticFilesConfig" if app == "django.contrib.staticfiles" else app for app in INSTALLED_APPS
]
# Source maps are fetched by developer tools only: hashed and served, not compressed (CPU per deploy).
# Nor are the legacy font formats: every browser we serve takes the woff/woff2 listed before them
# in the stylesheets' @font-face, and brotli on viewflow's 1.4 MB SimpleIcons eot/ttf/otf (each
# twice, hashed and plain) was half of collectstatic's CPU (~30 of ~60 s).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map", "eot", "ttf", "otf")

"""Shared settings. Every deploy-specific value comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data")))

SECRET_KEY = env.str("SECRET_KEY", default="insecure-demo-key-never-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "guardian",
    "axes",
    "csp",
    # Second factor for staff (workflows/core/otp.py); before workflows.core, whose admin
    # takes the device models out of the admin (reset only through the audited action).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "viewflow",
    "viewflow.workflow",
    "workflows.core",
    "workflows.households",
    "workflows.documents",
    "workflows.finance_check",
    "workflows.funds",
    "workflows.dibao",
    "workflows.temporary_assistance",
    "workflows.sampling",
    "workflows.cooperation",
    "workflows.caseload",
    "workflows.payroll",
    "workflows.appeals",
    "workflows.monitoring",
    "workflows.history",
    "workflows.portal",
    "workflows.workspace",
    "workflows.skeleton",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the header too.
    "workflows.core.security.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "workflows.core.i18n.ExplicitLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Bad JSON (lone surrogates, deep nesting) is a 400 before any view parses it.
    "workflows.portal.guard.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions end after STAFF_IDLE_TIMEOUT idle, and SESSION_COOKIE_AGE after sign-in.
    "workflows.core.security.StaffSessionTimeoutMiddleware",
    # A session that still owes a code or an enrolment reaches only those pages.
    "workflows.core.otp.StaffSecondFactorMiddleware",
    # request.htmx: claim/submit answer a fragment to htmx, a redirect to everyone else.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Case scope before viewflow's site check: an out-of-scope case is a 404
    # for everyone, never a 403 that would confirm it exists.
    "workflows.core.middleware.CaseScopeMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    # AxesMiddleware last: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workflows.workspace.context_processors.workspace_nav",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# (.get: an empty DATABASE_URL has no engine; production then refuses to start, naming it)
on_postgres = DATABASES["default"].get("ENGINE") == "django.db.backends.postgresql"
if on_postgres and not env.bool("DATABASE_JIT", default=False):
    # No JIT compilation of statements: ours are short, and PostgreSQL compiles any plan it
    # estimates above jit_above_cost. A fresh table's row estimates make small joins look
    # huge: the new-task notification's holder query ran in 0.4 ms and spent 31 ms
    # compiling, and a 低保 case took 60 % longer (issue 19; DATABASE_JIT=1 turns it back on).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first so that a locked-out user is refused before any other check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian "AnonymousUser" row: anonymous visitors never hold permissions.
GUARDIAN_ANONYMOUS_USER_NAME = None
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 2.1.1: at least 12 characters (Django's default is 8).
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Lock an account after AXES_FAILURE_LIMIT failures, whether they come from one address
# or are spread over many (ASVS 2.2.1: "username" counts across addresses; the
# username+address pair, the per-address limit, is kept and can never count more).
# Locks and administrators' unlocks are audited (workflows/core/lockout.py).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
# A password success clears the failures only when the sign-in is complete: someone who
# still owes a second-factor code keeps the count, so failed codes add up to the lockout
# across fresh password logins (workflows/core/otp.py decide_second_factor).
AXES_RESET_ON_SUCCESS = False

# Second factor for staff (ASVS 2.7, workflows/core/otp.py): approvers, county roles and
# administrators must enrol a TOTP authenticator when on. Off for the demo and tests (the
# demo logins work with the password alone); production turns it on.
STAFF_OTP_REQUIRED = env.bool("STAFF_OTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="社会救助审核确认")

# Content-Security-Policy (django-csp, ASVS 14.4.3): only the project's own files. No
# 'unsafe-inline' for scripts or styles: templates carry no inline <script>, on*=
# handler, <style> block or style= attribute (tests/core/test_security_headers.py checks
# the templates). Bootstrap's icons are data: SVGs in its CSS, hence img-src data:.
# The admin runs under the same policy. viewflow's own material pages under /staff/
# (unlinked; staff use the workspace) are not exempted: their inline bits just stay inert.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# ASVS 3.3.2: a signed-in (staff) session ends after 30 minutes without a request
# (workflows/core/security.py); SESSION_COOKIE_AGE stays the absolute limit.
STAFF_IDLE_TIMEOUT = env.int("STAFF_IDLE_TIMEOUT", default=30 * 60)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
# The design system (Bootstrap 5, docs/ui.md) is installed from npm (package.json) and
# served by the project under static/vendor/bootstrap/ — no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
# Staff forms render with crispy-forms' Bootstrap 5 pack (templates/viewflow/workflow/*).
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Cache: counters shared by every process (portal lookup throttle, the API's client rate).
# CACHE_URL (or REDIS_URL) redis://host:6379/1 selects Redis; without one each process has
# its own LocMem cache, fine for the single-process demo and tests only (production refuses).
CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery. No broker configured -> tasks run eagerly in-process (the demo).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    # Eager tasks still take a producer from the pool: give them the in-memory
    # transport instead of Celery's default AMQP broker on localhost.
    CELERY_BROKER_URL = "memory://localhost//"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A killed worker must lose nothing: acknowledge only after the task ran, and
# hand the message back if the worker process dies mid-task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message taken by a worker that then dies is redelivered after this many
# seconds. It must exceed the longest countdown/ETA we schedule (finance-check
# retry backoff is capped at FINANCE_CHECK_RETRY_BACKOFF_MAX).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600)}
# A QueuedHandle task still NEW after this many minutes lost its job message (publish failed,
# or a dead worker's message not yet redelivered): requeue_stale_handles sends it again.
QUEUED_HANDLE_STALE_MINUTES = env.float("QUEUED_HANDLE_STALE_MINUTES", default=2.0)
# Letters and notices are rendered after commit (workflows/documents/tasks.py): attempts
# before a document is marked failed and listed for the office, first retry delay (doubling).
DOCUMENT_RENDER_ATTEMPTS = env.int("DOCUMENT_RENDER_ATTEMPTS", default=3)
DOCUMENT_RENDER_RETRY_SECONDS = env.int("DOCUMENT_RENDER_RETRY_SECONDS", default=30)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Seconds between history anchors (beat). Anchoring bounds the window in which a
# cut chain tail with a rewound head goes unseen (docs/history.md).
HISTORY_ANCHOR_INTERVAL = env.int("HISTORY_ANCHOR_INTERVAL", default=3600)
# One entry per task marked ``@periodic`` (workflows/core/tasks.py), and only those:
# tests/core/test_beat_schedule.py checks both directions.
CELERY_BEAT_SCHEDULE = {
    "fire-workflow-timers": {
        "task": "workflows.core.tasks.fire_workflow_timers",
        "schedule": 60.0,
    },
    # Every minute: a job whose publish failed (broker outage) is sent again within
    # QUEUED_HANDLE_STALE_MINUTES + 1 minute of the broker coming back.
    "requeue-stale-handles": {
        "task": "workflows.core.tasks.requeue_stale_handles",
        "schedule": 60.0,
    },
    # Documents whose render job was never published (broker outage) are sent again.
    "requeue-pending-documents": {
        "task": "workflows.documents.tasks.requeue_pending_documents",
        "schedule": 60.0,
    },
    "anchor-history": {
        "task": "workflows.history.tasks.anchor_history",
        "schedule": float(HISTORY_ANCHOR_INTERVAL),
    },
    "sampling-run-due-draws": {
        "task": "workflows.sampling.tasks.run_due_draws",
        "schedule": crontab(hour=2, minute=7),
    },
    "sampling-escalate-overdue-corrections": {
        "task": "workflows.sampling.tasks.escalate_overdue_corrections",
        "schedule": crontab(hour=2, minute=37),
    },
    "load-next-year-holidays": {
        "task": "workflows.core.tasks.refresh_holiday_calendar",
        "schedule": crontab(hour=3, minute=17),
    },
    "temporary-assistance-issue-missing-letters": {
        "task": "workflows.temporary_assistance.tasks.issue_missing_letters",
        "schedule": 600.0,
    },
    "dibao-alert-overdue-cases": {
        "task": "workflows.dibao.tasks.alert_overdue_cases",
        "schedule": crontab(hour=6, minute=13),
    },
    "caseload-open-due-rechecks": {
        "task": "workflows.caseload.tasks.open_due_rechecks",
        "schedule": crontab(hour=1, minute=23),
    },
    "caseload-end-phase-outs": {
        "task": "workflows.caseload.tasks.end_phase_outs",
        "schedule": crontab(hour=1, minute=43),
    },
    "monitoring-raise-overdue-signals": {
        "task": "workflows.monitoring.tasks.raise_overdue_signals",
        "schedule": crontab(hour=6, minute=23),
    },
}

# Integration API (portal app): token authentication for integrating systems
# is defined by the portal; anonymous access is limited per endpoint.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "社会救助审核确认 · Integration API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name per choice set: several serializers have a field called "kind" (attachments,
    # incomes, essential spending) and incomes appear both as "kind" and "income_kind".
    "ENUM_NAME_OVERRIDES": {
        "IncomeKindEnum": "workflows.households.models.DeclaredIncome.Kind",
        "RigidExpenseKindEnum": "workflows.households.models.RigidExpense.Kind",
        "AttachmentKindEnum": "workflows.dibao.models.Attachment.Kind",
    },
}

# Household-finance check (workflows/finance_check, docs/flows/finance-check.md).
# Registries: {source: {"url", "timeout", "token"}}; unset sources use the sandbox.
FINANCE_CHECK_SANDBOX_URL = env.str("REGISTRY_SANDBOX_URL", default="http://127.0.0.1:8765")
FINANCE_CHECK_REGISTRIES = env.json("FINANCE_CHECK_REGISTRIES", default={})
FINANCE_CHECK_TIMEOUT = env.float("FINANCE_CHECK_TIMEOUT", default=5.0)
FINANCE_CHECK_TOKEN = env.str("FINANCE_CHECK_TOKEN", default="")
FINANCE_CHECK_MAX_RETRIES = env.int("FINANCE_CHECK_MAX_RETRIES", default=3)
FINANCE_CHECK_RETRY_BACKOFF = env.float("FINANCE_CHECK_RETRY_BACKOFF", default=2.0)
FINANCE_CHECK_RETRY_BACKOFF_MAX = 60.0
# A separate queue lets production serve registry calls with a threaded pool
# (`celery worker -Q finance_check --pool threads -c 16`); empty = default queue.
FINANCE_CHECK_QUEUE = env.str("FINANCE_CHECK_QUEUE", default="") or None
FINANCE_CHECK_INCOME_REVIEW_THRESHOLD = "100.00"  # yuan/month, household total
FINANCE_CHECK_ASSET_REVIEW_THRESHOLD = "5000.00"

# County sampling (workflows/sampling): working days a township has to correct.
SAMPLING_CORRECTION_WORKING_DAYS = env.int("SAMPLING_CORRECTION_WORKING_DAYS", default=10)

# Absolute origin printed in QR codes of letters (verification page), e.g.
# https://dibao.example.gov.cn — without it a QR holds only a path.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="")

# Applicant notifications (workflows/portal, docs/portal.md). HttpSmsBackend posts to a
# generic SMS gateway; its key and secret come from the environment only.
PORTAL_SMS_BACKEND = env.str("PORTAL_SMS_BACKEND", default="workflows.portal.notifications.backends.ConsoleSmsBackend")
PORTAL_SMS_GATEWAY_URL = env.str("PORTAL_SMS_GATEWAY_URL", default="")
PORTAL_SMS_GATEWAY_KEY = env.str("PORTAL_SMS_GATEWAY_KEY", default="")
PORTAL_SMS_GATEWAY_SECRET = env.str("PORTAL_SMS_GATEWAY_SECRET", default="")
PORTAL_SMS_GATEWAY_TIMEOUT = env.float("PORTAL_SMS_GATEWAY_TIMEOUT", default=5.0)
PORTAL_SMS_SIGN_NAME = env.str("PORTAL_SMS_SIGN_NAME", default="社会救助")

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-pass-2026")
# Demo-only tools (manage.py demo_fast_forward): the demo settings turn them on, production forces them off.
DEMO_TOOLS = False
# The sample flow (流程样板, workflows/skeleton) is a template for developers, not a case
# type: staff see it (inbox, queue, case lists, dashboards) only where a demo enables it.
SAMPLE_FLOW_VISIBLE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

VIEWFLOW_SITE_TITLE = _("社会救助审核确认")

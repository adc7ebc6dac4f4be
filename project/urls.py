"""URL map.

Staff pages live in one viewflow ``Site``. Each app under ``workflows/`` may
ship a ``urls.py`` with:

- ``flow_viewsets``: ``CaseFlowAppViewset`` instances shown in the Site (case
  lists region-scoped; case URLs guarded by ``CaseScopeMiddleware``);
- ``urlpatterns``: its own pages, mounted at ``/<url_prefix>/`` (default: the
  app label with dashes).

Every URL needs a login unless its view is marked ``login_not_required``.
"""

from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

# Order = order in the staff menu.
APPS = [
    "dibao",
    "temporary_assistance",
    "finance_check",
    "funds",
    "payroll",
    "appeals",
    "sampling",
    "cooperation",
    "caseload",
    "monitoring",
    "history",
    "workspace",
    "portal",
    "households",
    "documents",
    "skeleton",
]


def _app_urls(label):
    try:
        return import_module(f"workflows.{label}.urls")
    except ModuleNotFoundError as exc:
        if exc.name == f"workflows.{label}.urls":
            return None
        raise


flow_viewsets, app_patterns = [], []
for label in APPS:
    module = _app_urls(label)
    if module is None:
        continue
    flow_viewsets.extend(getattr(module, "flow_viewsets", []))
    if getattr(module, "urlpatterns", None):
        prefix = getattr(module, "url_prefix", label.replace("_", "-"))
        app_patterns.append(path(f"{prefix}/", include((module.urlpatterns, label), namespace=label)))

site = Site(
    title=_("社会救助审核确认"),
    viewsets=[
        Application(title=_("审核业务"), icon="assignment", app_name="cases", viewsets=flow_viewsets),
    ],
)

urlpatterns = [
    # staff land on their task inbox (the workspace); viewflow's own pages stay under /staff/
    path("", RedirectView.as_view(url="/workspace/inbox/", permanent=False), name="home"),
    # The second step of the staff sign-in (workflows/core/otp.py).
    path("accounts/second-factor/", include("workflows.core.otp_views")),
    path("accounts/", AuthViewset(allow_password_change=False, with_profile_view=False).urls),
    path("admin/", admin.site.urls),
    # The language switch: applicants (no login) use it as well as staff. No CSRF token: a
    # forged request can only change the display language, and a per-response token in the
    # footer would make the portal's "no such case" and "wrong second factor" pages differ.
    path("i18n/setlang/", login_not_required(csrf_exempt(set_language)), name="set_language"),
    path("staff/", site.urls),
    # "Show full number" with a reason, logged in the case's chain (workflows/core/pii.py).
    path("personal-data/", include("workflows.core.pii_views")),
    *app_patterns,
]

admin.site.site_header = _("社会救助审核确认 · 系统管理")
admin.site.site_title = _("系统管理")

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

"""What the workspace navigation shows, for every page that extends ``workspace/base.html``.

Lazy: nothing is read unless a template asks, so pages outside the workspace (viewflow's
pages, the applicant portal) pay nothing. A link is shown only to whom it will open —
a township user offered the county dashboard would get 403.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.functional import cached_property

from workflows.core.models import County
from workflows.core.scope import user_scope

from . import selectors


class WorkspaceNav:
    def __init__(self, user):
        self._user = user

    @cached_property
    def supervisor(self) -> bool:
        """An approver of some township: may see the township's open cases and reassign."""
        return bool(selectors.supervised_township_ids(self._user))

    @cached_property
    def county_dashboard(self) -> bool:
        """Holds a county role whose dashboard the county statistics link opens (the same
        codenames as ``selectors.dashboard_counties``, read from the request's scope rows)."""
        county_ct = ContentType.objects.get_for_model(County).pk
        return any(
            ct_id == county_ct and codename in selectors.DASHBOARD_CODENAMES
            for ct_id, _app, codename, _pk in user_scope(self._user).object_permissions
        )

    @cached_property
    def case_apps(self) -> bool:
        """Has a region: the flows' own pages (``/staff/``) open (``CaseFlow.has_view_permission``)."""
        return not user_scope(self._user).is_empty

    @property
    def admin_site(self) -> bool:
        return bool(self._user.is_staff)


def workspace_nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"ws_nav": WorkspaceNav(user)}

"""What the staff navigation shows, for every page that extends ``workspace/base.html``.

Lazy: nothing is read unless a template asks, so pages outside the staff base (the
applicant portal, PDFs) pay nothing. A link is shown only to whom it will open — a
township user offered the county dashboard would get 403. The counts cost a constant
number of queries whatever the number of tasks (tests/workspace/test_nav.py).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import cached_property

from workflows.core.models import County
from workflows.core.scope import user_scope

from . import selectors
from .models import CaseIndex

#: Roles that open the overdue alerts (``dibao:overdue``, workflows/dibao/urls.py).
OVERDUE_CODENAMES = frozenset({"act_approver", "act_county_officer", "act_county_reviewer"})


class WorkspaceNav:
    def __init__(self, user):
        self._user = user

    @cached_property
    def _codenames(self) -> frozenset[str]:
        return frozenset(codename for _ct, _app, codename, _pk in user_scope(self._user).object_permissions)

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
    def report_county(self) -> County | None:
        """The county whose sampling report the nav links to (county roles only)."""
        return selectors.dashboard_counties(self._user).first() if self.county_dashboard else None

    @cached_property
    def case_lists(self) -> bool:
        """Has a region: the open-case list, the staff-relative register and the funds list
        show the user's cases and books (empty lists for a user without one)."""
        return not user_scope(self._user).is_empty

    @cached_property
    def referrals(self) -> bool:
        """Opens the township's referral list (``cooperation:referrals``)."""
        from workflows.cooperation.selectors import LIST_CODENAMES

        return bool(self._codenames & LIST_CODENAMES)

    @cached_property
    def low_income_register(self) -> bool:
        """Opens the register of recognised low-income households (``dibao:low_income``, LB24)."""
        from workflows.dibao.selectors import REGISTER_CODENAMES

        return bool(self._codenames & REGISTER_CODENAMES)

    def failed_documents_count(self) -> int:
        """Cases of mine whose letter or notice failed to render: the office must see them."""
        return selectors.failed_document_count(self._user)

    @cached_property
    def overdue(self) -> bool:
        return bool(self._codenames & OVERDUE_CODENAMES)

    @cached_property
    def start_links(self) -> list[tuple[str, str]]:
        """(title, url) of the intake forms the user may open: 新申请 (the start forms render in
        the staff base, templates/viewflow/workflow/start.html). The sample flow is left out."""
        from django.urls import NoReverseMatch, reverse
        from viewflow.workflow import flow

        from .indexing import case_flows

        links = []
        for flow_class in case_flows():
            label = flow_class.instance.flow_label
            node = getattr(flow_class, "start", None)
            if label == "skeleton" or not isinstance(node, flow.Start) or not node.can_execute(self._user):
                continue
            try:
                links.append((str(flow_class.process_title), reverse(f"cases:{label}:start:execute")))
            except NoReverseMatch:
                continue
        return links

    @property
    def admin_site(self) -> bool:
        return bool(self._user.is_staff)

    @cached_property
    def _inbox_counts(self) -> dict:
        # One query for both: the inbox and the overdue part of it.
        today = timezone.localdate()
        overdue = CaseIndex.deadline_running_q(selectors.IDX) & Q(**{f"{selectors.IDX}due_on__lt": today})
        return selectors.inbox_tasks(self._user).aggregate(mine=Count("pk"), overdue=Count("pk", filter=overdue))

    @property
    def mine_count(self) -> int:
        return self._inbox_counts["mine"]

    @property
    def overdue_count(self) -> int:
        return self._inbox_counts["overdue"]

    @cached_property
    def unread_count(self) -> int:
        """Unread notifications (消息): one indexed count."""
        from .notifications import unread_count

        return unread_count(self._user)

    @cached_property
    def queue_count(self) -> int:
        return selectors.queue_tasks(self._user).count()


def workspace_nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"ws_nav": WorkspaceNav(user)}

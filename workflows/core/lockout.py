"""Staff account lockout (ASVS 2.2.1): locking is django-axes' job; this module audits
the moment an account becomes locked and is the one audited way to unlock it.

Axes counts failures per account across every address and per account+address
(``AXES_LOCKOUT_PARAMETERS``); an account spread over many addresses is locked as
soon as its total reaches ``AXES_FAILURE_LIMIT``.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest

from .audit import audit_record
from .types import Actor, Staff


def account_failures(*, username: str) -> int:
    """Failed logins counted against ``username`` over all addresses, within the cool-off."""
    total = AccessAttempt.objects.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"]
    return total or 0


@transaction.atomic
def account_unlock(*, user: Staff, actor: Actor) -> int:
    """Clear every recorded failure of ``user`` (all addresses) so they can sign in again.

    Returns how many failures were cleared; an account without failures is left alone
    and nothing is audited for it.
    """
    failures = account_failures(username=user.get_username())
    if not failures:
        return 0
    AxesProxyHandler.reset_attempts(username=user.get_username())
    audit_record(
        action="staff.unlock",
        target=user,
        actor=actor,
        changes={"failed_logins": [failures, 0]},
    )
    return failures


@receiver(user_locked_out, dispatch_uid="audit-staff-lockout")
def audit_lockout(
    sender: object, request: HttpRequest | None, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    """Audit the failure that locks an account, once: axes sends this signal again on
    every refused attempt while locked, and those are already in its failure log."""
    if not username or request is None:
        return
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None or failures != get_failure_limit(request, getattr(request, "axes_credentials", None)):
        return
    user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    if user is None:
        return
    # The address is personal data of a kind; the failure count is what matters here.
    audit_record(action="staff.lock", target=user, changes={"failed_logins": [failures - 1, failures]})

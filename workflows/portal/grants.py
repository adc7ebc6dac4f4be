"""Short-lived session grants: after a successful second factor the browser
may read that one case for ``GRANT_MINUTES``."""

from __future__ import annotations

import time

from .selectors import case_by_number
from .services import GRANT_MINUTES, normalise_case_number

SESSION_KEY = "portal_grants"


def grant(request, process) -> None:
    grants = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v > time.time()}
    if not grants:
        request.session.cycle_key()  # a fresh session id when access is first granted
    grants[process.case_number] = time.time() + GRANT_MINUTES * 60
    request.session[SESSION_KEY] = grants


def granted_case(request, case_number: str):
    """The granted case (dibao/特困 or temporary assistance), else ``None``."""
    case_number = normalise_case_number(case_number)
    expiry = request.session.get(SESSION_KEY, {}).get(case_number)
    if not expiry or expiry <= time.time():
        return None
    return case_by_number(case_number)


def revoke_all(request) -> None:
    request.session.pop(SESSION_KEY, None)

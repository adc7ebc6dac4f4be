"""Brute-force and enumeration protection for the status lookup (web and API).

Counters live in Django's default cache (LocMem in dev/tests; Redis in
production, see docs/portal.md): per client address and per case number,
fixed 15-minute windows. Every lookup attempt counts — a success as well as a
failure — so "which case numbers exist" cannot be probed faster than the limit.
Keys carry a SHA-256 of the case number, never the number itself, and the log
lines carry neither the address nor the case number.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache

logger = logging.getLogger("workflows.portal.throttle")

LIMIT_PER_ADDRESS = 10
LIMIT_PER_CASE = 10
WINDOW_SECONDS = 15 * 60


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def _keys(address: str, case_number: str) -> tuple[str, str]:
    return (
        f"portal:lookup:addr:{_digest(address or '-')}",
        f"portal:lookup:case:{_digest((case_number or '').strip().upper())}",
    )


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _hit(key: str) -> int:
    if cache.add(key, 1, WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS)
        return 1


def lookup_throttled(*, address: str, case_number: str) -> bool:
    """Either limit exhausted (does not count an attempt)."""
    addr_key, case_key = _keys(address, case_number)
    return _count(addr_key) >= LIMIT_PER_ADDRESS or _count(case_key) >= LIMIT_PER_CASE


def lookup_allowed(*, address: str, case_number: str) -> bool:
    """Count one attempt; ``False`` once either limit is exhausted in the window."""
    addr_key, case_key = _keys(address, case_number)
    if lookup_throttled(address=address, case_number=case_number):
        logger.warning("portal lookup throttled")
        return False
    _hit(addr_key)
    _hit(case_key)
    return True


def client_address(request) -> str:
    """The client's address as seen by Django (the reverse proxy must set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "")

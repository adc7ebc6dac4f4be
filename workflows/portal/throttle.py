"""Brute-force and enumeration protection for the status lookup (web and API).

Nobody can lock an applicant out (issue 18 item 3). There is no per-case lock
on the one-time-code path: a case number is printed on the public notice, and a
hard lock per case let anyone keep its applicant out of the status page. Instead:

- **Per address** (IPv4 address, IPv6 /64): the first ``LIMIT_PER_ADDRESS``
  failed attempts in a window are free; after that each further attempt waits
  ``BASE_DELAY`` seconds, doubling with every failure up to ``MAX_DELAY`` (back-off,
  not a lock). The window ends ``WINDOW_SECONDS`` after the address's last failure.
- **Globally**: failures from all addresses in a fixed window shrink every
  address's free budget (half at ``PORTAL_LOOKUP_GLOBAL_THRESHOLD`` failures, a
  quarter at twice that, ...), never below one: an address that has not failed
  (the applicant's) always gets its attempt, so a correct code always gets in.
- **Per case, the static factor only**: wrong ID-number tails for one case beyond
  ``LIMIT_PER_CASE`` back off the same way, for the ID-tail path only: a botnet
  cannot guess a static secret quickly, and the one-time-code path stays open.
- **Per case, code requests**: the first ``SENDS_FREE`` texts of a window go out
  at once, later ones back off up to the code's lifetime, so whoever asks, the
  applicant's phone always holds a code that is still valid.

Only failures count: a success needs the right factor, and a failure for an
unknown case counts exactly like one for a real case, so counting tells nothing
about which case numbers exist. Counters live in the default cache, which must be
shared by all workers in production (Redis, docs/portal.md). Keys carry a SHA-256
of the address or case number, never the value, and log lines carry neither.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("workflows.portal.throttle")

LIMIT_PER_ADDRESS = 10
LIMIT_PER_CASE = 10
WINDOW_SECONDS = 15 * 60
BASE_DELAY = 30
MAX_DELAY = 60 * 60
GLOBAL_THRESHOLD = 1000
SENDS_FREE = 3
SEND_BASE_DELAY = 60
#: Longest wait between two texts to one case: below the code's lifetime (10 minutes).
SEND_MAX_DELAY = 8 * 60

ADDRESS, CASE_ID, CASE_SEND, GLOBAL = "addr", "case-id", "case-send", "global"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def address_key(address: str) -> str:
    """IPv6 clients get a /64 each (one subscriber line), so rotating inside it does not help."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "-"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _case_key(case_number: str) -> str:
    return (case_number or "").strip().upper()


def _key(kind: str, value: str, part: str) -> str:
    return f"portal:lookup:{kind}:{part}:{_digest(value)}"


def global_threshold() -> int:
    return int(getattr(settings, "PORTAL_LOOKUP_GLOBAL_THRESHOLD", GLOBAL_THRESHOLD))


def address_budget(global_failures: int) -> int:
    """Free failures per address, halved for each doubling of global failures past the threshold."""
    threshold = global_threshold()
    budget = LIMIT_PER_ADDRESS
    level = threshold
    while global_failures >= level and budget > 1:
        budget //= 2
        level *= 2
    return max(1, budget)


def _delay(over: int, base: int, cap: int) -> int:
    return min(cap, base * 2 ** min(over, 20))


def _waiting(kind: str, value: str) -> bool:
    until = cache.get(_key(kind, value, "until"))
    return until is not None and until > time.time()


def _strike(kind: str, value: str, *, free: int, base: int, cap: int, window: int = WINDOW_SECONDS) -> int:
    """Count one failure of ``value``; past ``free`` failures, the next attempt waits."""
    count_key = _key(kind, value, "n")
    if cache.add(count_key, 1, window):
        n = 1
    else:
        try:
            n = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.add(count_key, 1, window)
            n = 1
        cache.touch(count_key, window)  # the window runs from the last failure
    if n >= free:
        delay = _delay(n - free, base, cap)
        cache.set(_key(kind, value, "until"), time.time() + delay, delay)
    return n


def _global_failures() -> int:
    return int(cache.get(_key(GLOBAL, "all", "n")) or 0)


def lookup_throttled(*, address: str, case_number: str = "", factor: str = "otp") -> bool:
    """True if this attempt must wait: the address is backing off, or, for the
    ID-tail factor, the case's ID-tail path is. Counts nothing."""
    if _waiting(ADDRESS, address_key(address)):
        return True
    return factor == "id" and _waiting(CASE_ID, _case_key(case_number))


def lookup_failed(*, address: str, case_number: str, factor: str) -> None:
    """Count a failed lookup (unknown case and wrong factor alike)."""
    if cache.add(_key(GLOBAL, "all", "n"), 1, WINDOW_SECONDS):
        failures = 1
    else:
        try:
            failures = cache.incr(_key(GLOBAL, "all", "n"))
        except ValueError:
            failures = 1
    _strike(ADDRESS, address_key(address), free=address_budget(failures), base=BASE_DELAY, cap=MAX_DELAY)
    if factor == "id":
        _strike(CASE_ID, _case_key(case_number), free=LIMIT_PER_CASE, base=BASE_DELAY, cap=MAX_DELAY)


def send_allowed(*, address: str, case_number: str) -> bool:
    """May a code be texted for ``case_number`` now? Counts the request either way
    (per address like a failed lookup; per case when it goes out)."""
    if lookup_throttled(address=address):
        logger.warning("portal code request throttled")
        return False
    _strike(ADDRESS, address_key(address), free=address_budget(_global_failures()), base=BASE_DELAY, cap=MAX_DELAY)
    case = _case_key(case_number)
    if _waiting(CASE_SEND, case):
        logger.info("portal code request deferred")
        return False
    _strike(CASE_SEND, case, free=SENDS_FREE, base=SEND_BASE_DELAY, cap=SEND_MAX_DELAY)
    return True


def client_address(request) -> str:
    """The client's address as seen by Django (the reverse proxy must set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "")

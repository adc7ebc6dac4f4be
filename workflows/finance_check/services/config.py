"""Settings of the economic-status check, read at call time."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from .. import means_test as mt
from ..sources import ALL_SOURCES, Source

# --- settings (read at call time) --------------------------------------------


def max_retries() -> int:
    return int(getattr(settings, "FINANCE_CHECK_MAX_RETRIES", 3))


def retry_delay(attempt: int) -> float | None:
    """Seconds to wait before retry number ``attempt + 1``, or None when retries are used up.

    Exponential: backoff x 2^attempt, capped at FINANCE_CHECK_RETRY_BACKOFF_MAX.
    """
    if attempt >= max_retries():
        return None
    backoff = float(getattr(settings, "FINANCE_CHECK_RETRY_BACKOFF", 2.0))
    cap = float(getattr(settings, "FINANCE_CHECK_RETRY_BACKOFF_MAX", 60.0))
    return min(backoff * (2**attempt), cap)


def configured_sources() -> list[str]:
    sources = getattr(settings, "FINANCE_CHECK_SOURCES", None) or ALL_SOURCES
    return [Source(s).value for s in sources]


def means_test_policy() -> mt.Policy:
    return mt.Policy(
        income_discrepancy_review_threshold=Decimal(
            str(getattr(settings, "FINANCE_CHECK_INCOME_REVIEW_THRESHOLD", "100.00"))
        ),
        asset_discrepancy_review_threshold=Decimal(
            str(getattr(settings, "FINANCE_CHECK_ASSET_REVIEW_THRESHOLD", "5000.00"))
        ),
    )

"""One adapter per MSL 17 data source, configured from settings at call time.

Settings (all optional; read when a query runs, never at import):

- ``FINANCE_CHECK_REGISTRIES``: ``{source: {"url": ..., "timeout": seconds, "token": ...}}``
  for a county's real services. A source not listed, or listed without a
  ``url``, uses the sandbox: ``<base>/registries/<source>/query``.
- ``FINANCE_CHECK_SANDBOX_URL``: the sandbox base URL; default: the
  ``REGISTRY_SANDBOX_URL`` environment variable, else ``http://127.0.0.1:8765``.
- ``FINANCE_CHECK_TIMEOUT`` (seconds, default 5) and ``FINANCE_CHECK_TOKEN``
  (default ``""``): defaults for sources without their own.
"""

from __future__ import annotations

import os

from django.conf import settings

from ..sources import Source
from .bank_deposits import BankDepositsAdapter
from .base import (
    MalformedResponse,
    QueryOutcome,
    RegistryAdapter,
    RegistryConfig,
    RegistryError,
    RegistryRejected,
    RegistryResult,
    RegistryServerError,
    RegistryTimeout,
)
from .commercial_insurance import CommercialInsuranceAdapter
from .household_registration import HouseholdRegistrationAdapter
from .housing_fund import HousingFundAdapter
from .internet_finance import InternetFinanceAdapter
from .market_entity import MarketEntityAdapter
from .real_estate import RealEstateAdapter
from .securities import SecuritiesAdapter
from .social_insurance import SocialInsuranceAdapter
from .tax import TaxAdapter
from .vehicles import VehiclesAdapter

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8765"

ADAPTERS: dict[str, type[RegistryAdapter]] = {
    Source.HOUSEHOLD_REGISTRATION: HouseholdRegistrationAdapter,
    Source.TAX: TaxAdapter,
    Source.SOCIAL_INSURANCE: SocialInsuranceAdapter,
    Source.REAL_ESTATE: RealEstateAdapter,
    Source.MARKET_ENTITY: MarketEntityAdapter,
    Source.HOUSING_FUND: HousingFundAdapter,
    Source.VEHICLES: VehiclesAdapter,
    Source.BANK_DEPOSITS: BankDepositsAdapter,
    Source.COMMERCIAL_INSURANCE: CommercialInsuranceAdapter,
    Source.SECURITIES: SecuritiesAdapter,
    Source.INTERNET_FINANCE: InternetFinanceAdapter,
}


def sandbox_base_url() -> str:
    return (
        getattr(settings, "FINANCE_CHECK_SANDBOX_URL", None)
        or os.environ.get("REGISTRY_SANDBOX_URL")
        or DEFAULT_SANDBOX_URL
    ).rstrip("/")


def registry_config(source: str) -> RegistryConfig:
    conf = (getattr(settings, "FINANCE_CHECK_REGISTRIES", None) or {}).get(source, {})
    url = conf.get("url") or f"{sandbox_base_url()}/registries/{source}/query"
    timeout = float(conf.get("timeout", getattr(settings, "FINANCE_CHECK_TIMEOUT", 5.0)))
    token = conf.get("token", getattr(settings, "FINANCE_CHECK_TOKEN", ""))
    return RegistryConfig(url=url, timeout=timeout, token=token)


def get_adapter(source: str) -> RegistryAdapter:
    return ADAPTERS[source](registry_config(source))


__all__ = [
    "ADAPTERS",
    "MalformedResponse",
    "QueryOutcome",
    "RegistryAdapter",
    "RegistryConfig",
    "RegistryError",
    "RegistryRejected",
    "RegistryResult",
    "RegistryServerError",
    "RegistryTimeout",
    "get_adapter",
    "registry_config",
]

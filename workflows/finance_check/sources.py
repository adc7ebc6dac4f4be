"""The data sources of the economic-status check (MSL 17, SAI 58).

Each source is an external registry queried over HTTP by one adapter in
``workflows.finance_check.adapters``. The kind of a source decides what its
records become in the means test (income, asset or identity findings) and
what a case worker enters by hand when it is unavailable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    HOUSEHOLD_REGISTRATION = "household_registration", _("户籍（公安）")
    TAX = "tax", _("税务")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    REAL_ESTATE = "real_estate", _("不动产登记")
    MARKET_ENTITY = "market_entity", _("市场主体登记")
    HOUSING_FUND = "housing_fund", _("住房公积金")
    VEHICLES = "vehicles", _("车辆、船舶")
    BANK_DEPOSITS = "bank_deposits", _("银行存款")
    COMMERCIAL_INSURANCE = "commercial_insurance", _("商业保险")
    SECURITIES = "securities", _("证券")
    INTERNET_FINANCE = "internet_finance", _("互联网金融资产")


ALL_SOURCES: tuple[str, ...] = tuple(Source.values)

# What a case worker enters by hand for an unavailable source (MSL 17: the
# check must not silently skip a source). "income": a monthly figure; "asset":
# a value and a number of items; "identity": confirmation that the members
# are registered as declared.
INCOME_SOURCES = frozenset({Source.TAX, Source.SOCIAL_INSURANCE, Source.HOUSING_FUND})
IDENTITY_SOURCES = frozenset({Source.HOUSEHOLD_REGISTRATION})
ASSET_SOURCES = frozenset(set(Source) - INCOME_SOURCES - IDENTITY_SOURCES)

# The asset kind each asset source reports (matches DeclaredAsset.Kind values). Keyed by
# plain ``str`` as well: a ``Source`` is a str, and callers look up a stored source code.
ASSET_KIND_OF_SOURCE: dict[str, str] = {
    Source.REAL_ESTATE: "housing",
    Source.MARKET_ENTITY: "business_entity",
    Source.VEHICLES: "vehicle",
    Source.BANK_DEPOSITS: "deposit",
    Source.COMMERCIAL_INSURANCE: "insurance",
    Source.SECURITIES: "securities",
    Source.INTERNET_FINANCE: "internet_finance",
}

# The income kind each income source reports when entered by hand.
INCOME_KIND_OF_SOURCE: dict[str, str] = {
    Source.TAX: "wage",
    Source.SOCIAL_INSURANCE: "transfer",
    Source.HOUSING_FUND: "wage",
}


def source_kind(source: str) -> str:
    if source in INCOME_SOURCES:
        return "income"
    if source in IDENTITY_SOURCES:
        return "identity"
    return "asset"

"""Securities (证券): market value per account."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import AssetRecord, RegistryAdapter, RegistryResult, amount, id_number, text


@dataclass
class SecuritiesAdapter(RegistryAdapter):
    source: str = field(default=Source.SECURITIES.value, init=False)

    def parse_records(self, records):
        assets = tuple(
            AssetRecord(
                id_number=id_number(r),
                kind="securities",
                value=amount(r, "market_value"),
                description=f"{text(r, 'broker')} {text(r, 'account_masked', '')}".strip(),
            )
            for r in records
        )
        return RegistryResult(source=self.source, assets=assets)

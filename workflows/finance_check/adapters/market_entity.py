"""Market-entity registration (市场主体登记): enterprises and sole traders a member runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import AssetRecord, RegistryAdapter, RegistryResult, amount, id_number, text


@dataclass
class MarketEntityAdapter(RegistryAdapter):
    source: str = field(default=Source.MARKET_ENTITY.value, init=False)

    def parse_records(self, records):
        assets = []
        for r in records:
            capital = amount(r, "registered_capital")
            if text(r, "status") != "active":
                continue  # deregistered entities are history, not assets
            assets.append(
                AssetRecord(
                    id_number=id_number(r),
                    kind="business_entity",
                    value=capital,
                    description=f"{text(r, 'entity_name')}（{text(r, 'uscc')}）",
                )
            )
        return RegistryResult(source=self.source, assets=tuple(assets))

"""Internet financial assets (互联网金融资产): balances on platforms."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import AssetRecord, RegistryAdapter, RegistryResult, amount, id_number, text


@dataclass
class InternetFinanceAdapter(RegistryAdapter):
    source: str = field(default=Source.INTERNET_FINANCE.value, init=False)

    def parse_records(self, records):
        assets = tuple(
            AssetRecord(
                id_number=id_number(r),
                kind="internet_finance",
                value=amount(r, "balance"),
                description=f"{text(r, 'platform')} {text(r, 'product', '')}".strip(),
            )
            for r in records
        )
        return RegistryResult(source=self.source, assets=assets)

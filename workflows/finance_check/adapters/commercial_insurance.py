"""Commercial insurance (商业保险): policies with a cash value."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import AssetRecord, RegistryAdapter, RegistryResult, amount, id_number, text


@dataclass
class CommercialInsuranceAdapter(RegistryAdapter):
    source: str = field(default=Source.COMMERCIAL_INSURANCE.value, init=False)

    def parse_records(self, records):
        assets = tuple(
            AssetRecord(
                id_number=id_number(r),
                kind="insurance",
                value=amount(r, "cash_value"),
                description=f"{text(r, 'insurer')} {text(r, 'product', '')}".strip(),
            )
            for r in records
        )
        return RegistryResult(source=self.source, assets=assets)

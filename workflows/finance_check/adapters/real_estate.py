"""Real estate registration (不动产登记): housing units held by members."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import AssetRecord, RegistryAdapter, RegistryResult, amount, id_number, text


@dataclass
class RealEstateAdapter(RegistryAdapter):
    source: str = field(default=Source.REAL_ESTATE.value, init=False)

    def parse_records(self, records):
        assets = []
        for r in records:
            area = amount(r, "area_m2")
            assets.append(
                AssetRecord(
                    id_number=id_number(r),
                    kind="housing",
                    value=amount(r, "assessed_value"),
                    description=f"{text(r, 'location')}（{area}㎡，{text(r, 'certificate_no')}）",
                )
            )
        return RegistryResult(source=self.source, assets=tuple(assets))

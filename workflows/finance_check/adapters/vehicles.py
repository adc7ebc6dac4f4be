"""Vehicles and vessels (车辆、船舶): registered vehicles owned by members."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import AssetRecord, RegistryAdapter, RegistryResult, amount, id_number, text


@dataclass
class VehiclesAdapter(RegistryAdapter):
    source: str = field(default=Source.VEHICLES.value, init=False)

    def parse_records(self, records):
        assets = []
        for r in records:
            disability = r.get("disability_vehicle", False)
            if not isinstance(disability, bool):
                raise ValueError("disability_vehicle is not a boolean")
            assets.append(
                AssetRecord(
                    id_number=id_number(r, "owner_id_number"),
                    kind="vehicle",
                    value=amount(r, "estimated_value"),
                    description=f"{text(r, 'plate')} {text(r, 'brand_model')}（{text(r, 'vehicle_type', '')}，"
                    f"{text(r, 'registered_on', '')} 登记）",
                    disability_vehicle=disability,
                )
            )
        return RegistryResult(source=self.source, assets=tuple(assets))

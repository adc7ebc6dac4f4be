"""Housing provident fund (住房公积金): an active account's wage base is a wage indication."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import IncomeRecord, RegistryAdapter, RegistryResult, amount, id_number, text


@dataclass
class HousingFundAdapter(RegistryAdapter):
    source: str = field(default=Source.HOUSING_FUND.value, init=False)

    def parse_records(self, records):
        incomes = []
        for r in records:
            base = amount(r, "wage_base")
            if text(r, "status") != "active":
                continue  # a sealed account shows past, not present, wages
            incomes.append(
                IncomeRecord(
                    id_number=id_number(r),
                    kind="wage",
                    monthly_amount=base,
                    detail=f"公积金缴存基数 {text(r, 'employer', '')}".strip(),
                )
            )
        return RegistryResult(source=self.source, incomes=tuple(incomes))

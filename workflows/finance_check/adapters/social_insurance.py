"""Social insurance (社会保险): pensions paid (transfer income) and contribution bases (wages)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import IncomeRecord, RegistryAdapter, RegistryResult, amount, id_number, text


@dataclass
class SocialInsuranceAdapter(RegistryAdapter):
    source: str = field(default=Source.SOCIAL_INSURANCE.value, init=False)

    def parse_records(self, records):
        incomes = []
        for r in records:
            scheme = text(r, "scheme")
            if scheme == "pension_benefit":
                incomes.append(
                    IncomeRecord(
                        id_number=id_number(r),
                        kind="transfer",
                        monthly_amount=amount(r, "monthly_amount"),
                        detail=f"养老金 {text(r, 'payer', '')}".strip(),
                    )
                )
            elif scheme == "employee_contribution":
                incomes.append(
                    IncomeRecord(
                        id_number=id_number(r),
                        kind="wage",
                        monthly_amount=amount(r, "contribution_base"),
                        detail=f"职工社保缴费基数 {text(r, 'employer', '')}".strip(),
                    )
                )
            else:
                raise ValueError(f"unknown scheme {scheme!r}")
        return RegistryResult(source=self.source, incomes=tuple(incomes))

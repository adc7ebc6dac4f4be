"""Tax (税务): yearly taxable income by category, reported as monthly income."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import IncomeRecord, RegistryAdapter, RegistryResult, amount, id_number, text, yearly_to_monthly

# Tax category -> income kind of the means test (MSL 13).
CATEGORY_KIND = {
    "wage": ("wage", "工资薪金"),
    "labour": ("wage", "劳务报酬"),
    "business": ("business", "经营所得"),
    "property": ("property", "财产租赁/转让所得"),
    "interest": ("property", "利息股息红利所得"),
}


@dataclass
class TaxAdapter(RegistryAdapter):
    source: str = field(default=Source.TAX.value, init=False)

    def parse_records(self, records):
        incomes = []
        for r in records:
            kind, label = CATEGORY_KIND[text(r, "category")]
            yearly = amount(r, "annual_amount")
            payer = text(r, "payer", "")
            incomes.append(
                IncomeRecord(
                    id_number=id_number(r),
                    kind=kind,
                    monthly_amount=yearly_to_monthly(yearly),
                    detail=f"{text(r, 'tax_year', '')} 年度{label} {yearly} 元 {payer}".strip(),
                )
            )
        return RegistryResult(source=self.source, incomes=tuple(incomes))

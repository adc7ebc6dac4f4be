"""Bank deposits (银行存款): balances per account."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import AssetRecord, RegistryAdapter, RegistryResult, amount, id_number, text


@dataclass
class BankDepositsAdapter(RegistryAdapter):
    source: str = field(default=Source.BANK_DEPOSITS.value, init=False)

    def parse_records(self, records):
        assets = tuple(
            AssetRecord(
                id_number=id_number(r),
                kind="deposit",
                value=amount(r, "balance"),
                description=f"{text(r, 'bank')} {text(r, 'account_masked', '')}".strip(),
            )
            for r in records
        )
        return RegistryResult(source=self.source, assets=assets)

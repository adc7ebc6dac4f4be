"""Household registration (户籍, public security): who the members are and their status."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Source
from .base import PersonRecord, RegistryAdapter, RegistryResult, id_number, text

STATUS_LABELS = {"normal": "正常", "deceased": "已死亡", "moved_out": "已迁出", "not_found": "查无此人"}


@dataclass
class HouseholdRegistrationAdapter(RegistryAdapter):
    source: str = field(default=Source.HOUSEHOLD_REGISTRATION.value, init=False)

    def parse_records(self, records):
        persons = []
        for r in records:
            status = text(r, "status")
            if status not in STATUS_LABELS:
                raise ValueError(f"unknown status {status!r}")
            persons.append(
                PersonRecord(
                    id_number=id_number(r), name=text(r, "name", ""), status=status, status_label=STATUS_LABELS[status]
                )
            )
        return RegistryResult(source=self.source, persons=tuple(persons))

"""Reading an import file: rows as dicts by column key, and the parsers of its cells."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from workflows.core.models import Township, Village
from workflows.core.money import CENT, is_exact_amount
from workflows.core.types import Staff
from workflows.core.uploads import ERR_FILE_EMPTY, ERR_FILE_ROWS, load_table

from ...months import month_of
from .scope import may_import_into
from .vocabulary import (
    COLUMNS,
    DATE_FORMATS,
    ERR_MISSING_COLUMNS,
    ERR_TOWNSHIP_SCOPE,
    ERR_TOWNSHIP_UNKNOWN,
    ERR_VILLAGE_UNKNOWN,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    MONTH_FORMATS,
    OPTIONAL_COLUMNS,
)


# --- reading --------------------------------------------------------------------------------
def read_rows(*, content: bytes, file_name: str) -> list[dict]:
    """The data rows of a CSV (UTF-8, with or without BOM) or XLSX file as {header: value},
    without blank lines; ``ValidationError`` for a file that cannot be imported at all."""
    dataset = load_table(content=content, file_name=file_name, max_bytes=MAX_IMPORT_BYTES)
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    missing = [h for h in COLUMNS if h not in headers and h not in OPTIONAL_COLUMNS]
    if missing:
        raise ValidationError(ERR_MISSING_COLUMNS, params={"columns": "、".join(missing)}, code="missing_columns")
    rows = []
    for line, values in enumerate(dataset, start=2):
        if all(v in (None, "") for v in values):
            continue
        row = {COLUMNS[h]: v for h, v in zip(headers, values, strict=False) if h in COLUMNS}
        row["_line"] = line
        rows.append(row)
    if not rows:
        raise ValidationError(ERR_FILE_EMPTY, code="file_empty")
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError(ERR_FILE_ROWS, params={"rows": MAX_IMPORT_ROWS}, code="file_rows")
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_month(value: object) -> datetime.date:
    if isinstance(value, datetime.date):
        return month_of(value if not isinstance(value, datetime.datetime) else value.date())
    text = _text(value)
    for pattern in MONTH_FORMATS:
        m = re.fullmatch(pattern, text)
        if m:
            try:
                return datetime.date(int(m.group(1)), int(m.group(2)), 1)
            except ValueError:
                break
    raise ValueError(text)


def _parse_date(value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for pattern in DATE_FORMATS:
        m = re.fullmatch(pattern, text)
        if m:
            try:
                return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise ValueError(text)


def _parse_amount(value: object) -> Decimal:
    text = _text(value).replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not is_exact_amount(amount):
        raise ValueError(text)
    return amount.quantize(CENT)


class _Regions:
    """The townships of the importer's counties and their villages, looked up by code or
    name once; whether the importer may import for a township is ``may_import_into``."""

    def __init__(self, townships: QuerySet[Township], actor: Staff) -> None:
        self.actor = actor
        county_ids = set(townships.values_list("county_id", flat=True))
        self.townships: dict[str, list[Township]] = {}
        for t in Township.objects.filter(county_id__in=county_ids):
            self.townships.setdefault(t.code, []).append(t)
            self.townships.setdefault(t.name, []).append(t)
        self.allowed: dict[int, bool] = {}
        self.villages: dict[tuple[int, str], Village] = {}
        for v in Village.objects.filter(township__county_id__in=county_ids):
            self.villages[(v.township_id, v.code)] = v
            self.villages[(v.township_id, v.name)] = v

    def _allowed(self, township: Township) -> bool:
        if township.pk not in self.allowed:
            self.allowed[township.pk] = may_import_into(self.actor, township)
        return self.allowed[township.pk]

    def township(self, text: str) -> Township:
        found = self.townships.get(text, [])
        if not found:
            raise ValueError(ERR_TOWNSHIP_UNKNOWN)
        in_scope = [t for t in found if self._allowed(t)]
        if not in_scope:
            raise ValueError(ERR_TOWNSHIP_SCOPE)
        return in_scope[0]

    def village(self, township: Township, text: str) -> Village:
        village = self.villages.get((township.pk, text))
        if village is None:
            raise ValueError(ERR_VILLAGE_UNKNOWN)
        return village

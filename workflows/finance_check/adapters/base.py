"""The registry adapter interface (MSL 17: one external system per data source).

An adapter POSTs the members' ID numbers to its registry's HTTP endpoint and
turns the answer into a typed ``RegistryResult``. It never touches the
database: the caller (``workflows.finance_check.services``) records the
outcome as evidence. Errors are typed so the caller can decide what to retry:

- ``RegistryTimeout``, ``RegistryServerError`` (HTTP 5xx, connection refused):
  transient, retried with backoff;
- ``RegistryRejected`` (HTTP 4xx, e.g. a wrong token) and
  ``MalformedResponse`` (not the agreed JSON): not retried, the source is
  marked unavailable at once and a person obtains the document.

Wire format (the sandbox speaks it; a county's gateway maps its services to it):
``POST <url>`` with ``{"request_id": str, "id_numbers": [str, ...]}`` and
``Authorization: Bearer <token>``; answer ``200`` with
``{"source": str, "request_id": str, "records": [{...}, ...]}``.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import json
import socket
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

MAX_BODY = 2 * 1024 * 1024  # 2 MiB: a registry answer for one household is far smaller


# --- errors -------------------------------------------------------------------


class RegistryError(Exception):
    retryable = False

    def __init__(self, message: str, *, http_status: int | None = None, raw: bytes = b"", requested_at=None):
        super().__init__(message)
        self.http_status = http_status
        self.raw = raw
        self.requested_at = requested_at
        self.responded_at = timezone.now() if raw or http_status else None


class RegistryTimeout(RegistryError):
    retryable = True


class RegistryServerError(RegistryError):
    retryable = True


class RegistryRejected(RegistryError):
    """A 4xx answer: the request itself is wrong (credentials, format)."""


class MalformedResponse(RegistryError):
    """The body is not the agreed JSON shape."""


# --- configuration and results ------------------------------------------------


@dataclass(frozen=True)
class RegistryConfig:
    url: str
    timeout: float = 5.0
    token: str = ""


@dataclass(frozen=True)
class IncomeRecord:
    id_number: str
    kind: str  # DeclaredIncome.Kind value: wage, business, property, transfer, ...
    monthly_amount: Decimal
    detail: str = ""


@dataclass(frozen=True)
class AssetRecord:
    id_number: str
    kind: str  # DeclaredAsset.Kind value
    value: Decimal
    description: str = ""
    count: int = 1
    disability_vehicle: bool = False


@dataclass(frozen=True)
class PersonRecord:
    id_number: str
    name: str
    status: str  # "normal", "deceased", "moved_out", "not_found"
    status_label: str = ""


@dataclass(frozen=True)
class RegistryResult:
    source: str
    incomes: tuple[IncomeRecord, ...] = ()
    assets: tuple[AssetRecord, ...] = ()
    persons: tuple[PersonRecord, ...] = ()

    def to_json(self) -> dict[str, Any]:
        def conv(v):
            if isinstance(v, Decimal):
                return str(v)
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [conv(x) for x in v]
            return v

        return conv(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RegistryResult:
        return cls(
            source=data.get("source", ""),
            incomes=tuple(
                IncomeRecord(**{**r, "monthly_amount": Decimal(r["monthly_amount"])}) for r in data.get("incomes", [])
            ),
            assets=tuple(AssetRecord(**{**r, "value": Decimal(r["value"])}) for r in data.get("assets", [])),
            persons=tuple(PersonRecord(**r) for r in data.get("persons", [])),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.incomes or self.assets or any(p.status != "normal" for p in self.persons))


@dataclass(frozen=True)
class QueryOutcome:
    """A successful query: the typed result plus what the evidence row needs."""

    result: RegistryResult
    raw: bytes
    http_status: int
    requested_at: datetime.datetime
    responded_at: datetime.datetime
    endpoint: str

    @property
    def raw_sha256(self) -> str:
        return sha256_hex(self.raw)


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# --- the adapter --------------------------------------------------------------


@dataclass
class RegistryAdapter(ABC):
    """Base class: HTTP, status and JSON handling. Subclasses parse ``records``."""

    config: RegistryConfig
    source: str = field(default="", init=False)

    def query(self, id_numbers: list[str], *, request_id: str) -> QueryOutcome:
        body = json.dumps({"request_id": request_id, "id_numbers": list(id_numbers)}).encode()
        requested_at = timezone.now()
        status, raw = self._post(body, requested_at)
        responded_at = timezone.now()
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MalformedResponse(
                f"{self.source}: response is not JSON ({exc})", http_status=status, raw=raw, requested_at=requested_at
            ) from None
        if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
            raise MalformedResponse(
                f"{self.source}: response has no 'records' list", http_status=status, raw=raw, requested_at=requested_at
            )
        try:
            result = self.parse_records(payload["records"])
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise MalformedResponse(
                f"{self.source}: unexpected record shape ({exc!r})",
                http_status=status,
                raw=raw,
                requested_at=requested_at,
            ) from None
        return QueryOutcome(
            result=result,
            raw=raw,
            http_status=status,
            requested_at=requested_at,
            responded_at=responded_at,
            endpoint=self.config.url,
        )

    def _post(self, body: bytes, requested_at) -> tuple[int, bytes]:
        url = self.config.url
        if urlsplit(url).scheme not in ("http", "https"):
            raise RegistryRejected(f"{self.source}: unsupported URL scheme in {url!r}", requested_at=requested_at)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                return response.status, response.read(MAX_BODY)
        except urllib.error.HTTPError as exc:
            raw = exc.read(MAX_BODY) if exc.fp else b""
            cls = RegistryServerError if exc.code >= 500 else RegistryRejected
            raise cls(
                f"{self.source}: HTTP {exc.code}", http_status=exc.code, raw=raw, requested_at=requested_at
            ) from None
        except TimeoutError:
            raise RegistryTimeout(
                f"{self.source}: no answer within {self.config.timeout:g}s", requested_at=requested_at
            ) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise RegistryTimeout(
                    f"{self.source}: no answer within {self.config.timeout:g}s", requested_at=requested_at
                ) from None
            raise RegistryServerError(
                f"{self.source}: cannot connect ({exc.reason})", requested_at=requested_at
            ) from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise RegistryServerError(
                f"{self.source}: connection failed ({exc!r})", requested_at=requested_at
            ) from None

    @abstractmethod
    def parse_records(self, records: list[dict[str, Any]]) -> RegistryResult:
        """Turn the registry's records into a typed result; raise KeyError/ValueError if malformed."""


# --- parsing helpers for subclasses -------------------------------------------


def amount(record: dict[str, Any], key: str) -> Decimal:
    value = record[key]
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{key} is not a number")
    result = Decimal(str(value))
    if not result.is_finite() or result < 0:
        raise ValueError(f"{key} must be a non-negative number")
    return result.quantize(Decimal("0.01"))


def text(record: dict[str, Any], key: str, default: str | None = None) -> str:
    value = record.get(key, default)
    if value is None:
        raise KeyError(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a string")
    return value


def id_number(record: dict[str, Any], key: str = "id_number") -> str:
    value = text(record, key).strip().upper()
    if len(value) != 18:
        raise ValueError(f"{key} is not an 18-character ID number")
    return value


def yearly_to_monthly(value: Decimal) -> Decimal:
    return (value / 12).quantize(Decimal("0.01"))

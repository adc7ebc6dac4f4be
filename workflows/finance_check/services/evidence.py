"""Registry evidence: which sources are final, pending or unavailable; recording query results and hand-entered documents."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from workflows.core.audit import audit_record, audit_record_many, chain_for
from workflows.core.types import Actor
from workflows.households.models import (
    HouseholdMember,
)

from .. import means_test as mt
from ..adapters import QueryOutcome, RegistryError, RegistryResult, get_adapter
from ..adapters.base import AssetRecord, IncomeRecord, PersonRecord, sha256_hex
from ..models import EvidenceStatus, FinanceCheckProcess, RegistryEvidence
from ..sources import ASSET_KIND_OF_SOURCE, INCOME_KIND_OF_SOURCE, Source, source_kind
from .errors import ERR_NEGATIVE, ERR_NOT_UNAVAILABLE, ERR_NOTE_REQUIRED
from .request import check_authorisations

logger = logging.getLogger(__name__)


# --- queries --------------------------------------------------------------------


def final_sources(check: FinanceCheckProcess) -> set[str]:
    """Sources whose query reached a final state (ok or unavailable)."""
    return set(
        RegistryEvidence.objects.filter(check_process_id=check.pk)
        .exclude(status=EvidenceStatus.MANUAL)
        .values_list("source", flat=True)
    )


def pending_sources(check: FinanceCheckProcess) -> list[str]:
    done = final_sources(check)
    return [s for s in check.sources if s not in done]


def unavailable_sources(check: FinanceCheckProcess) -> list[str]:
    """Sources that failed and have no hand-entered document yet."""
    rows = RegistryEvidence.objects.filter(check_process_id=check.pk).values_list("source", "status")
    failed = {s for s, st in rows if st == EvidenceStatus.UNAVAILABLE}
    documented = {s for s, st in rows if st == EvidenceStatus.MANUAL}
    return [s for s in check.sources if s in failed and s not in documented]


def member_id_numbers(check: FinanceCheckProcess) -> list[str]:
    return list(
        HouseholdMember.objects.filter(household_id=check.household_id)
        .order_by("pk")
        .values_list("id_number", flat=True)
    )


def _evidence_fields(source: str, result: QueryOutcome | RegistryError) -> dict:
    """The columns of one query's final evidence row (its raw body and that body's SHA-256)."""
    if isinstance(result, QueryOutcome):
        return {
            "status": EvidenceStatus.OK,
            "endpoint": result.endpoint,
            "requested_at": result.requested_at,
            "responded_at": result.responded_at,
            "http_status": result.http_status,
            "normalised": result.result.to_json(),
            "raw_sha256": result.raw_sha256,
            "raw_response": result.raw.decode("utf-8", errors="replace"),
        }
    raw = result.raw or b""
    return {
        "status": EvidenceStatus.UNAVAILABLE,
        "endpoint": get_adapter(source).config.url,
        "requested_at": result.requested_at,
        "responded_at": result.responded_at,
        "http_status": result.http_status,
        "raw_sha256": sha256_hex(raw) if raw else "",
        "raw_response": raw.decode("utf-8", errors="replace"),
        "error": f"{type(result).__name__}: {result}",
    }


def _evidence_audit_data(evidence: RegistryEvidence) -> dict:
    return {
        "source": evidence.source,
        "status": evidence.status,
        "attempts": evidence.attempts,
        "raw_sha256": evidence.raw_sha256,
        "error": evidence.error,
        "consents": [a["consent"] for a in evidence.authorisations],
    }


def _log_unavailable(check: FinanceCheckProcess, evidence: RegistryEvidence) -> None:
    if evidence.status == EvidenceStatus.UNAVAILABLE:
        logger.warning(
            "check %s: source %s unavailable after %s attempts: %s",
            check.pk,
            evidence.source,
            evidence.attempts,
            evidence.error,
        )


def evidence_record_query(
    *,
    check: FinanceCheckProcess,
    source: str,
    result: QueryOutcome | RegistryError,
    attempts: int,
    authorisations: list[dict] | None = None,
) -> RegistryEvidence | None:
    """Store the final outcome of one source's query. Returns None if one was stored already.

    ``authorisations``: what ``query_authorisations`` gave before the query (default: those in
    force now). Idempotent: the unique (check, source) constraint on query evidence makes
    a second insert fail, so a redelivered or duplicated task writes nothing.
    """
    fields = _evidence_fields(source, result)
    if authorisations is None:
        authorisations = check_authorisations(check)[0]
    try:
        with transaction.atomic():
            evidence = RegistryEvidence.objects.create(
                check_process=check, source=source, attempts=attempts, authorisations=authorisations, **fields
            )
            audit_record(
                action="finance_check.evidence",
                target=evidence,
                process_id=check.pk,
                data=_evidence_audit_data(evidence),
            )
    except IntegrityError:
        logger.info("evidence for check %s source %s already recorded; skipping duplicate", check.pk, source)
        return None
    _log_unavailable(check, evidence)
    return evidence


def _audit_evidence_batch(check: FinanceCheckProcess, rows: list[RegistryEvidence]) -> None:
    """One ``finance_check.evidence`` event per row on the check's chain, in one insert.
    Call inside the rows' transaction."""
    audit_record_many(
        action="finance_check.evidence",
        items=[(evidence, _evidence_audit_data(evidence)) for evidence in rows],
        chain=chain_for(check, check.pk),
        process_id=check.pk,
    )


def evidence_record_queries(
    *,
    check: FinanceCheckProcess,
    results: dict[str, tuple[QueryOutcome | RegistryError, int]],
    authorisations: list[dict] | None = None,
) -> list[RegistryEvidence]:
    """Store the final outcomes of several sources at once: ``{source: (outcome or error, attempts)}``.

    One INSERT for the evidence rows and one for their audit events, in one
    savepoint. If another job recorded one of the sources meanwhile (the
    unique constraint fires), the batch rolls back and the rows are written
    one by one, skipping the sources already recorded -- the same outcome as
    ``evidence_record_query`` per source. Returns the rows written here.
    """
    if not results:
        return []
    if authorisations is None:
        authorisations = check_authorisations(check)[0]
    rows = [
        RegistryEvidence(check_process=check, source=source, attempts=attempts, authorisations=authorisations,
                         **_evidence_fields(source, result))
        for source, (result, attempts) in results.items()
    ]  # fmt: skip
    try:
        with transaction.atomic():
            RegistryEvidence.objects.bulk_create(rows)
            _audit_evidence_batch(check, rows)
    except IntegrityError:
        logger.info("check %s: some evidence already recorded; recording the rest one by one", check.pk)
        written = []
        for source, (result, attempts) in results.items():
            evidence = evidence_record_query(
                check=check, source=source, result=result, attempts=attempts, authorisations=authorisations
            )
            if evidence is not None:
                written.append(evidence)
        return written
    for evidence in rows:
        _log_unavailable(check, evidence)
    return rows


# --- hand-entered documents -------------------------------------------------------


@transaction.atomic
def evidence_record_manual(
    *,
    check: FinanceCheckProcess,
    source: str,
    note: str,
    actor: Actor,
    amount: Decimal | None = None,
    count: int | None = None,
    confirmed: bool | None = None,
) -> RegistryEvidence:
    """Record the figures a case worker obtained by hand for an unavailable source.

    ``amount``: monthly income (income sources) or total value (asset sources);
    ``count``: number of items (asset sources); ``confirmed``: members registered
    as declared (household registration). Stored as ``manual`` evidence next
    to the failed query's row, which stays as it was.
    """
    if source not in unavailable_sources(check):
        raise ValidationError(ERR_NOT_UNAVAILABLE % {"source": Source(source).label}, code="not_unavailable")
    note = (note or "").strip()
    if not note:
        raise ValidationError(ERR_NOTE_REQUIRED, code="note")
    if (amount is not None and amount < 0) or (count is not None and count < 0):
        raise ValidationError(ERR_NEGATIVE, code="negative")
    kind = source_kind(source)
    label = str(Source(source).label)
    if kind == "income":
        value = mt.money(amount or 0)
        result = RegistryResult(
            source=source,
            incomes=(IncomeRecord("", INCOME_KIND_OF_SOURCE[source], value, f"人工核实：{note}"),) if value > 0 else (),
        )
        figures: dict[str, Decimal | int | bool] = {"amount": value}
    elif kind == "asset":
        value, n = mt.money(amount or 0), int(count or 0)
        asset_kind = ASSET_KIND_OF_SOURCE[source]
        records: tuple[AssetRecord, ...] = ()
        if n > 0 or value > 0:
            records = (AssetRecord("", asset_kind, value, f"人工核实：{label} {n} 项，{value} 元（{note}）", count=n),)
        result = RegistryResult(source=source, assets=records)
        figures = {"amount": value, "count": n}
    else:
        status = "normal" if confirmed else "unconfirmed"
        result = RegistryResult(
            source=source, persons=(PersonRecord("", "", status, "未能确认" if not confirmed else "正常"),)
        )
        figures = {"confirmed": bool(confirmed)}
    now = timezone.now()
    evidence = RegistryEvidence.objects.create(
        check_process=check,
        source=source,
        status=EvidenceStatus.MANUAL,
        requested_at=now,
        responded_at=now,
        normalised=result.to_json(),
        entered_by=actor,
        note=note,
        authorisations=check_authorisations(check)[0],
    )
    audit_record(
        action="finance_check.manual_evidence",
        target=evidence,
        actor=actor,
        process_id=check.pk,
        data={"source": source, "note": note, **figures},
    )
    return evidence

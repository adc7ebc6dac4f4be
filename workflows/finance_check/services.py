"""The economic-status check's actions (one function per state change).

Public contract for the dibao, 特困 and temporary-assistance flows:

- ``finance_check_request(*, household, purpose, case_ref, actor)`` -- consent
  gate (MSL 9), starts a ``FinanceCheckFlow`` and queues the queries once the
  caller's transaction commits. Returns the ``FinanceCheckProcess``.
- ``workflows.finance_check.signals.finance_check_finished`` fires when the
  check reaches its end; ``workflows.finance_check.selectors.latest_check_for``
  finds the latest check of a case.

The rest is used by the flow, its Celery jobs and its views.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.audit import audit_record, audit_record_many, chain_for, to_jsonable
from workflows.core.models import AssetLimit, DibaoStandard
from workflows.core.models.rules import RigidExpenseRule, RuleNotConfigured
from workflows.households.models import (
    Consent,
    DeclaredAsset,
    Household,
    HouseholdMember,
    RigidExpense,
    members_missing_consent,
)

from . import means_test as mt
from .adapters import QueryOutcome, RegistryError, RegistryResult, get_adapter
from .adapters.base import AssetRecord, IncomeRecord, PersonRecord, sha256_hex
from .models import EvidenceStatus, FinanceCheckProcess, Purpose, RegistryEvidence
from .sources import ALL_SOURCES, ASSET_KIND_OF_SOURCE, INCOME_KIND_OF_SOURCE, Source, source_kind

logger = logging.getLogger(__name__)

ERR_NO_CONSENT = _("以下家庭成员尚未签署《家庭经济状况核对授权书》，不能发起核对（审核确认办法第九条）：%(members)s。")
ERR_PURPOSE = _("核对用途“%(purpose)s”无效。")
ERR_CASE_REF = _("请注明发起核对的案件。")
ERR_NO_MEMBERS = _("该家庭没有登记任何成员，不能发起核对。")
ERR_NOT_UNAVAILABLE = _("数据源“%(source)s”已核对成功或已补充材料，不能再录入。")
ERR_NOTE_REQUIRED = _("请写明补充材料的名称、出具单位和日期。")
ERR_NEGATIVE = _("金额和数量不能为负数。")

REFUSED_ACTION = "finance_check.refused"
HALTED_ACTION = "finance_check.halted"
RESUMED_ACTION = "finance_check.resumed"


class ConsentMissing(ValidationError):
    """Raised by ``finance_check_request`` when an adult member has not signed the authorisation."""


class QueriesPending(Exception):
    """The run_queries node was asked to advance while a source has no final evidence."""


# --- settings (read at call time) --------------------------------------------


def max_retries() -> int:
    return int(getattr(settings, "FINANCE_CHECK_MAX_RETRIES", 3))


def retry_delay(attempt: int) -> float | None:
    """Seconds to wait before retry number ``attempt + 1``, or None when retries are used up.

    Exponential: backoff x 2^attempt, capped at FINANCE_CHECK_RETRY_BACKOFF_MAX.
    """
    if attempt >= max_retries():
        return None
    backoff = float(getattr(settings, "FINANCE_CHECK_RETRY_BACKOFF", 2.0))
    cap = float(getattr(settings, "FINANCE_CHECK_RETRY_BACKOFF_MAX", 60.0))
    return min(backoff * (2**attempt), cap)


def configured_sources() -> list[str]:
    sources = getattr(settings, "FINANCE_CHECK_SOURCES", None) or ALL_SOURCES
    return [Source(s).value for s in sources]


def means_test_policy() -> mt.Policy:
    return mt.Policy(
        income_discrepancy_review_threshold=Decimal(
            str(getattr(settings, "FINANCE_CHECK_INCOME_REVIEW_THRESHOLD", "100.00"))
        ),
        asset_discrepancy_review_threshold=Decimal(
            str(getattr(settings, "FINANCE_CHECK_ASSET_REVIEW_THRESHOLD", "5000.00"))
        ),
    )


# --- requesting a check (the public entry point) ------------------------------


def _requesting_process_id(case_ref: str) -> int | None:
    """ "dibao:42" -> 42: the requesting case's audit chain gets the event too."""
    match = re.fullmatch(r"[a-z_]+:(\d+)", case_ref or "")
    return int(match.group(1)) if match else None


def members_without_check_consent(household: Household) -> list:
    """Adult members with no valid authorisation (MSL 9). Callers may check before requesting."""
    return members_missing_consent(household, Consent.Kind.CHECK_AUTHORISATION)


def check_authorisations(check: FinanceCheckProcess) -> tuple[list[dict], list[HouseholdMember]]:
    """The check authorisations in force for ``check``'s household now, and the adults without one.

    One entry per adult member (their latest signed, not withdrawn authorisation): what a
    query's evidence records as the authorisation it ran under (MSL 9).
    """
    household = Household.objects.get(pk=check.household_id)
    adults = {m.pk: m for m in household.adults()}
    latest = {}
    consents = Consent.objects.filter(
        member_id__in=list(adults), kind=Consent.Kind.CHECK_AUTHORISATION, withdrawn_at__isnull=True
    ).order_by("member_id", "-signed_on", "-pk")
    for consent in consents:
        latest.setdefault(consent.member_id, consent)
    authorisations = [
        {"consent": c.pk, "member": c.member_id, "signed_on": c.signed_on.isoformat(),
         "recorded_at": to_jsonable(c.recorded_at), "scope": c.kind}
        for _, c in sorted(latest.items())
    ]  # fmt: skip
    return authorisations, [m for pk, m in sorted(adults.items()) if pk not in latest]


def query_authorisations(check: FinanceCheckProcess) -> list[dict] | None:
    """The authorisations a registry query of ``check`` may run under now, or None: then an adult's
    authorisation has been withdrawn (or is missing) and no query may be made (MSL 9).

    The first refusal halts the check (``halted_at``) and is audited on the check and on the
    requesting case, once; when every authorisation is in force again the check resumes
    (audited) and the queries continue.
    """
    authorisations, missing = check_authorisations(check)
    if missing or check.halted_at is not None:
        with transaction.atomic():
            locked = FinanceCheckProcess.objects.select_for_update().get(pk=check.pk)
            member_ids = [m.pk for m in missing]
            if missing and (locked.halted_at is None or locked.halted_members != member_ids):
                locked.halted_at, locked.halted_members = timezone.now(), member_ids
                locked.save(update_fields=["halted_at", "halted_members"])
                _audit_on_check_and_case(locked, HALTED_ACTION, {"reason": "check_authorisation_withdrawn",
                                                                 "members_missing_consent": member_ids})  # fmt: skip
                logger.warning("check %s halted: no check authorisation in force for members %s", check.pk, member_ids)
            elif not missing and locked.halted_at is not None:
                data = {"halted_at": locked.halted_at, "members": locked.halted_members}
                locked.halted_at, locked.halted_members = None, []
                locked.save(update_fields=["halted_at", "halted_members"])
                _audit_on_check_and_case(locked, RESUMED_ACTION, data)
            check.halted_at, check.halted_members = locked.halted_at, locked.halted_members
    return None if missing else authorisations


def _audit_on_check_and_case(check: FinanceCheckProcess, action: str, data: dict) -> None:
    audit_record(action=action, target=check, process_id=check.pk, data={"case_ref": check.case_ref, **data})
    requester = _requesting_process_id(check.case_ref)
    if requester is not None:
        audit_record(action=action, target=check, process_id=requester, data={"case_ref": check.case_ref, **data})


def finance_check_request(
    *, household: Household, purpose: str, case_ref: str, actor, spending_shock: bool | None = None
) -> FinanceCheckProcess:
    """Start an economic-status check of ``household`` for the case ``case_ref``.

    Refuses (``ConsentMissing``, a ``ValidationError``) unless every adult member's
    check authorisation is recorded (MSL 9); the refusal is audited
    (``finance_check.refused``) in its own transaction and no registry is
    contacted. Call it outside your own atomic block, or catch the error and
    let your transaction commit, or the refusal's audit row rolls back with it.

    ``spending_shock`` matters only for temporary assistance: education costs
    are deducted for a spending-shock case (TA18); default True for
    ``temporary_assistance``, False otherwise.

    The queries are queued when the surrounding transaction commits.
    """
    if purpose not in Purpose.values:
        raise ValidationError(ERR_PURPOSE % {"purpose": purpose}, code="purpose")
    if not case_ref:
        raise ValidationError(ERR_CASE_REF, code="case_ref")
    if not household.members.exists():
        raise ValidationError(ERR_NO_MEMBERS, code="no_members")
    missing = members_without_check_consent(household)
    if missing:
        names = "、".join(m.name for m in missing)
        with transaction.atomic():
            audit_record(
                action=REFUSED_ACTION,
                target=household,
                actor=actor,
                process_id=_requesting_process_id(case_ref),
                data={
                    "case_ref": case_ref,
                    "purpose": purpose,
                    "reason": "no_check_authorisation",
                    "members_missing_consent": [m.pk for m in missing],
                },
            )
        logger.warning(
            "finance check refused for household %s (case %s): no check authorisation from members %s",
            household.pk,
            case_ref,
            [m.pk for m in missing],
        )
        raise ConsentMissing(ERR_NO_CONSENT % {"members": names}, code="no_consent")

    check_date = timezone.localdate()
    try:
        standard = DibaoStandard.objects.in_force(county=household.county, on=check_date, area=household.area)
        asset_limit = AssetLimit.objects.in_force(county=household.county, on=check_date)
    except RuleNotConfigured as exc:
        raise ValidationError(str(exc), code="rule_not_configured") from None
    if spending_shock is None:
        spending_shock = purpose == Purpose.TEMPORARY_ASSISTANCE

    from .flows import FinanceCheckFlow

    with transaction.atomic():
        return FinanceCheckFlow.start.run(
            household=household,
            purpose=purpose,
            spending_shock=bool(spending_shock) and purpose == Purpose.TEMPORARY_ASSISTANCE,
            case_ref=case_ref,
            actor=actor,
            standard=standard,
            asset_limit=asset_limit,
            check_date=check_date,
        )


@transaction.atomic(savepoint=False)
def check_open(*, process: FinanceCheckProcess, household, purpose, spending_shock, case_ref, actor, standard,
               asset_limit, check_date) -> FinanceCheckProcess:  # fmt: skip
    """Fill the new process inside the StartHandle activation (called by the flow).

    The StartHandle saves the process again right after this returns (in the
    same transaction), which stores the case number; the row is inserted here
    only because the case number and the audit rows need its pk.
    """
    process.household = household
    process.county_id, process.township_id, process.village_id = (
        household.county_id,
        household.township_id,
        household.village_id,
    )
    process.area = household.area
    process.purpose = purpose
    process.spending_shock = spending_shock
    process.case_ref = case_ref
    process.requested_by = actor if getattr(actor, "is_authenticated", False) else None
    process.standard = standard
    process.asset_limit = asset_limit
    process.check_date = check_date
    process.sources = configured_sources()
    process.save()
    process.assign_case_number()
    data = {
        "case_number": process.case_number,
        "case_ref": case_ref,
        "purpose": purpose,
        "household": household.pk,
        "sources": process.sources,
        "standard": standard.pk,
        "asset_limit": asset_limit.pk,
    }
    audit_record(action="finance_check.requested", target=process, actor=actor, process_id=process.pk, data=data)
    requester = _requesting_process_id(case_ref)
    if requester is not None:
        audit_record(action="finance_check.requested", target=process, actor=actor, process_id=requester, data=data)
    return process


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


def query_with_retries(adapter, id_numbers: list[str], request_id: str) -> tuple[QueryOutcome | RegistryError, int]:
    """Query until success, a non-retryable error or the last retry (for the thread-pool path).

    Returns (outcome or last error, attempts). The Celery path does the same
    with ``self.retry(countdown=retry_delay(n))`` so no worker sleeps.
    """
    attempt = 0
    while True:
        try:
            return adapter.query(id_numbers, request_id=f"{request_id}:{attempt + 1}"), attempt + 1
        except RegistryError as exc:
            delay = retry_delay(attempt) if exc.retryable else None
            if delay is None:
                return exc, attempt + 1
            time.sleep(delay)
            attempt += 1


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


_POOL: ThreadPoolExecutor | None = None
_POOL_PID: int | None = None
_POOL_LOCK = threading.Lock()


def _query_pool() -> ThreadPoolExecutor:
    """The eager path's HTTP threads, started once per process (not 11 new threads per check).

    Sized for a few concurrent checks (demo server threads); a check queued
    behind another one's backoff sleeps only waits longer, nothing is lost.
    Threads never touch the database.
    """
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or os.getpid() != _POOL_PID:  # a forked child has no threads: new pool
            _POOL = ThreadPoolExecutor(max_workers=4 * len(ALL_SOURCES), thread_name_prefix="finance-check")
            _POOL_PID = os.getpid()
        return _POOL


def queries_fan_out(task_pk: int) -> str:
    """The run_queries job: query every source that has no final evidence yet.

    With a real broker: one ``query_source`` Celery task per source (they run
    in parallel on the workers; each retries on its own and the last one to
    finish advances the node). With eager Celery (demo, tests, benchmark) a
    group would run one source after the other, so the queries run in a
    thread pool instead: HTTP in the threads; the evidence rows, their audit
    events and the advance are written here, in one transaction, once the
    last source answered (bulk inserts, no per-source round trips).
    Re-running the job (redelivery, ``requeue_stale_handles``) only queries
    what is still missing, and advances the node if nothing is.
    """
    from viewflow.workflow.status import STATUS

    from .flows import FinanceCheckFlow
    from .tasks import query_source

    task = FinanceCheckFlow.task_class._default_manager.filter(pk=task_pk).values("status", "process_id").first()
    if task is None or task["status"] != STATUS.NEW:
        return "skipped"
    check = FinanceCheckProcess.objects.get(pk=task["process_id"])
    pending = pending_sources(check)
    if not pending:
        queries_advance(check.pk)
        return "advanced"
    # No query without every adult's authorisation in force (MSL 9); each source task checks again.
    authorisations = query_authorisations(check)
    if authorisations is None:
        return "halted"
    if not query_source.app.conf.task_always_eager:
        queue = getattr(settings, "FINANCE_CHECK_QUEUE", None)
        for source in pending:
            query_source.apply_async((check.pk, source), queue=queue)
        return "queued"
    ids = member_id_numbers(check)
    adapters = {s: get_adapter(s) for s in pending}
    pool = _query_pool()
    futures = {s: pool.submit(query_with_retries, adapters[s], ids, f"{check.case_number}:{s}") for s in pending}
    results = {s: f.result() for s, f in futures.items()}
    # One transaction for all the rows and the advance: one commit instead of a dozen.
    with transaction.atomic():
        evidence_record_queries(check=check, results=results, authorisations=authorisations)
        # Every source of the check is final now (recorded here, or by a racing job
        # if the batch fell back): skip the unlocked pre-check, the flow re-counts
        # under its lock anyway.
        _advance_run_queries(check.pk)
    return "done"


def queries_advance(check_pk: int) -> bool:
    """Advance run_queries once every source is final. Safe to call from every source task.

    Checked twice: cheaply here, and again under the flow lock
    (``FinanceCheckFlow.queries_done``), so of several tasks finishing at
    once exactly one advances the node and none advances it early.
    """
    check = FinanceCheckProcess.objects.get(pk=check_pk)
    if pending_sources(check):
        return False
    return _advance_run_queries(check_pk)


def _advance_run_queries(check_pk: int) -> bool:
    from viewflow.fsm import TransitionNotAllowed
    from viewflow.workflow.status import STATUS

    from .flows import FinanceCheckFlow

    task = (
        FinanceCheckFlow.task_class._default_manager.filter(
            process_id=check_pk, flow_task=FinanceCheckFlow.run_queries, status=STATUS.NEW
        )
        .order_by("pk")
        .first()
    )
    if task is None:
        return False
    try:
        FinanceCheckFlow.run_queries.run(task)
    except (TransitionNotAllowed, QueriesPending):
        return False
    return True


# --- hand-entered documents -------------------------------------------------------


@transaction.atomic
def evidence_record_manual(
    *,
    check: FinanceCheckProcess,
    source: str,
    note: str,
    actor,
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
        figures = {"amount": value}
    elif kind == "asset":
        value, n = mt.money(amount or 0), int(count or 0)
        asset_kind = ASSET_KIND_OF_SOURCE[source]
        records = ()
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


# --- evaluation -------------------------------------------------------------------


def _rules_label(limit: AssetLimit) -> str:
    return str(
        _("%(county)s家庭财产限额（%(date)s 起执行）")
        % {"county": limit.county, "date": limit.effective_from.isoformat()}
    )


def expense_rules(county, on: datetime.date) -> mt.ExpenseRules | None:
    """The county's essential-spending rule in force on ``on`` (MSL 13); None (the
    national default) where the county configured none."""
    try:
        rule = RigidExpenseRule.objects.in_force(county=county, on=on)
    except RuleNotConfigured:
        return None
    return mt.ExpenseRules(deductible=rule.deductible_kinds(), caps=rule.monthly_caps(), label=rule.label)


def means_test_input(check: FinanceCheckProcess, on: datetime.date | None = None) -> mt.MeansTestInput:
    """Gather the household's declarations, the evidence and the rules into the pure input."""
    household_id = check.household_id
    on = on or check.check_date
    members = list(HouseholdMember.objects.filter(household_id=household_id).order_by("pk").prefetch_related("incomes"))
    ref_of = {m.id_number: str(m.pk) for m in members}
    mt_members = tuple(
        mt.Member(
            ref=str(m.pk),
            name=m.name,
            age=m.age(on),
            is_disabled=m.is_disabled,
            has_serious_illness=m.has_serious_illness,
        )
        for m in members
    )
    declared_incomes = tuple(
        mt.DeclaredIncome(str(i.member_id), i.kind, i.monthly_amount, i.job_costs)
        for m in members
        for i in m.incomes.all()
    )
    declared_assets = tuple(
        mt.Asset(kind=a.kind, value=a.value, description=a.description or a.get_kind_display())
        for a in DeclaredAsset.objects.filter(household_id=household_id).order_by("pk")
    )
    name_of = {m.pk: m.name for m in members}
    expenses = tuple(
        mt.Expense(e.kind, e.monthly_amount, name_of.get(e.member_id, ""))
        for e in RigidExpense.objects.filter(household_id=household_id).order_by("pk")
    )

    found_incomes, found_assets, persons, manual = [], [], [], []
    evidence = list(RegistryEvidence.objects.filter(check_process_id=check.pk).select_related("entered_by"))
    ok_sources = set()
    failed, documented = set(), set()
    for ev in evidence:
        if ev.status == EvidenceStatus.UNAVAILABLE:
            failed.add(ev.source)
            continue
        if ev.status == EvidenceStatus.MANUAL:
            documented.add(ev.source)
        result = RegistryResult.from_json(ev.normalised)
        is_manual = ev.status == EvidenceStatus.MANUAL
        if is_manual:
            manual.append(
                mt.ManualSource(
                    source=ev.source,
                    source_label=str(Source(ev.source).label),
                    entered_by=(ev.entered_by.get_full_name() or ev.entered_by.username) if ev.entered_by else "",
                    note=ev.note,
                )
            )
        else:
            ok_sources.add(ev.source)
        for r in result.incomes:
            ref = ref_of.get(r.id_number) if r.id_number else mt.HOUSEHOLD
            if r.id_number and ref is None:
                continue  # a record about someone outside the household
            found_incomes.append(mt.FoundIncome(ref, r.kind, r.monthly_amount, ev.source, r.detail))
        for r in result.assets:
            ref = ref_of.get(r.id_number) if r.id_number else mt.HOUSEHOLD
            if r.id_number and ref is None:
                continue
            found_assets.append(
                mt.Asset(
                    kind=r.kind,
                    value=r.value,
                    source=ev.source,
                    description=r.description,
                    member_ref=ref,
                    count=r.count,
                    disability_vehicle=r.disability_vehicle,
                )
            )
        if ev.source == Source.HOUSEHOLD_REGISTRATION:
            seen = set()
            for p in result.persons:
                ref = ref_of.get(p.id_number) if p.id_number else ""
                if ref is None:
                    continue
                seen.add(ref)
                if p.status != "normal":
                    persons.append(mt.PersonStatus(ref or "", p.status, p.status_label, ev.source))
            if not is_manual:
                for m in members:
                    if str(m.pk) not in seen:
                        persons.append(mt.PersonStatus(str(m.pk), "not_found", "查无此人", ev.source))

    standard = DibaoStandard.objects.select_related("county").get(pk=check.standard_id)
    limit = AssetLimit.objects.select_related("county").get(pk=check.asset_limit_id)
    return mt.MeansTestInput(
        expense_rules=expense_rules(standard.county, on),
        members=mt_members,
        standard=mt.Standard(amount=standard.amount, period=standard.period, label=str(standard)),
        asset_rules=mt.AssetRules(
            financial_assets_per_capita=limit.financial_assets_per_capita,
            vehicles_allowed=limit.vehicles_allowed,
            vehicle_value_limit=limit.vehicle_value_limit,
            max_housing_units=limit.max_housing_units,
            business_entities_allowed=limit.business_entities_allowed,
            label=_rules_label(limit),
        ),
        purpose=check.purpose,
        spending_shock=check.spending_shock,
        declared_incomes=declared_incomes,
        found_incomes=tuple(found_incomes),
        declared_assets=declared_assets,
        found_assets=tuple(found_assets),
        expenses=expenses,
        persons=tuple(persons),
        # == unavailable_sources(check), from the evidence read above
        unavailable_sources=tuple(str(Source(s).label) for s in check.sources if s in failed and s not in documented),
        manual_sources=tuple(manual),
        source_labels={s: str(Source(s).label) for s in ALL_SOURCES},
        policy=means_test_policy(),
    )


@transaction.atomic(savepoint=False)
def check_evaluate(*, process: FinanceCheckProcess) -> mt.MeansTestResult:
    """Run the means test and store its result (called by the flow's ``evaluate`` node)."""
    result = mt.evaluate(means_test_input(process))
    process.result = result.to_json()
    process.outcome = result.outcome
    process.evaluated_at = timezone.now()
    # A plain UPDATE: none of these columns is in the case index, so the
    # post_save re-index (4 round trips) would change nothing.
    FinanceCheckProcess.objects.filter(pk=process.pk).update(
        result=process.result, outcome=process.outcome, evaluated_at=process.evaluated_at
    )
    audit_record(
        action="finance_check.evaluated",
        target=process,
        process_id=process.pk,
        changes={"outcome": [None, result.outcome]},
        data={
            "per_capita_income": result.per_capita_income,
            "standard": result.standard,
            "gap_per_capita": result.gap_per_capita,
            "monthly_amount": result.monthly_amount,
            "reasons": [r.code for r in result.reasons if r.severity != mt.Severity.INFO],
        },
    )
    return result

"""The economic-status check's actions (one function per state change).

Public contract for the dibao, 特困 and temporary-assistance flows:

- ``finance_check_request(*, household, purpose, case_ref, actor)`` -- consent
  gate (MSL 9), starts a ``FinanceCheckFlow`` and queues the queries once the
  caller's transaction commits. Returns the ``FinanceCheckProcess``.
- ``workflows.finance_check.signals.finance_check_finished`` fires when the
  check reaches its end; ``workflows.finance_check.selectors.latest_check_for``
  finds the latest check of a case.

The rest is used by the flow, its Celery jobs and its views.

The package re-exports every name of its modules (``services.X`` works wherever ``X`` lives).
"""

from .config import configured_sources, max_retries, means_test_policy, retry_delay
from .errors import (
    ERR_CASE_REF,
    ERR_NEGATIVE,
    ERR_NO_CONSENT,
    ERR_NO_MEMBERS,
    ERR_NOT_UNAVAILABLE,
    ERR_NOTE_REQUIRED,
    ERR_PURPOSE,
    HALTED_ACTION,
    REFUSED_ACTION,
    RESUMED_ACTION,
    ConsentMissing,
    QueriesPending,
)
from .evaluation import _rules_label, check_evaluate, expense_rules, means_test_input, single_person_rule
from .evidence import (
    _audit_evidence_batch,
    _evidence_audit_data,
    _evidence_fields,
    _log_unavailable,
    evidence_record_manual,
    evidence_record_queries,
    evidence_record_query,
    final_sources,
    member_id_numbers,
    pending_sources,
    unavailable_sources,
)
from .queries import _advance_run_queries, queries_advance, queries_fan_out
from .request import (
    _audit_on_check_and_case,
    _requesting_process_id,
    check_authorisations,
    check_open,
    finance_check_request,
    members_without_check_consent,
    query_authorisations,
)

__all__ = [
    "ERR_CASE_REF",
    "ERR_NEGATIVE",
    "ERR_NOTE_REQUIRED",
    "ERR_NOT_UNAVAILABLE",
    "ERR_NO_CONSENT",
    "ERR_NO_MEMBERS",
    "ERR_PURPOSE",
    "HALTED_ACTION",
    "REFUSED_ACTION",
    "RESUMED_ACTION",
    "ConsentMissing",
    "QueriesPending",
    "_advance_run_queries",
    "_audit_evidence_batch",
    "_audit_on_check_and_case",
    "_evidence_audit_data",
    "_evidence_fields",
    "_log_unavailable",
    "_requesting_process_id",
    "_rules_label",
    "check_authorisations",
    "check_evaluate",
    "check_open",
    "configured_sources",
    "evidence_record_manual",
    "evidence_record_queries",
    "evidence_record_query",
    "expense_rules",
    "final_sources",
    "finance_check_request",
    "max_retries",
    "means_test_input",
    "means_test_policy",
    "member_id_numbers",
    "members_without_check_consent",
    "pending_sources",
    "queries_advance",
    "queries_fan_out",
    "query_authorisations",
    "retry_delay",
    "single_person_rule",
    "unavailable_sources",
]

"""County sampling review: business rules (domain.md §7; TK 16, MSL 20, SAI 66/68).

Contract for the programme flows (dibao, 特困, temporary assistance):

- ``approval_register(...)`` when a township approval is final;
- ``complaint_register(...)`` when a complaint about a case is received;
- listen to ``signals.benefit_revoked`` to stop the programme's benefit.

The package re-exports every name of its modules (``services.X`` works wherever ``X`` lives).
"""

# Re-exported for callers that reach the algorithm through the module (``services.draw_algo``).
from .. import draw as draw_algo
from .common import (
    DEFAULT_CORRECTION_WORKING_DAYS,
    _add_months,
    _first_of_month,
    _pk,
    correction_working_days,
)
from .draws import (
    _insert_drawn,
    _mark_pooled,
    _pool_for,
    _PoolChanged,
    draw_run,
    due_periods,
    period_bounds,
    run_due_draws,
    verify_draw,
)
from .errors import (
    ERR_ALREADY_REVOKED,
    ERR_FINDING,
    ERR_INSTRUCTIONS_REQUIRED,
    ERR_NEGATIVE_AMOUNT,
    ERR_NO_OPEN_CORRECTION,
    ERR_NOT_COUNTY_OFFICER,
    ERR_NOT_COUNTY_REVIEWER,
    ERR_NOT_TOWNSHIP_CASE_WORKER,
    ERR_PERIOD_NOT_ENDED,
    ERR_PROGRAMME,
    ERR_REASON_REQUIRED,
    ERR_RECOVERY_SETTLED,
    ERR_REGION_MISMATCH,
    ERR_REPORT_REQUIRED,
    ERR_REVIEWER_ACTED,
)
from .pool import approval_actor_add, approval_one_off_update, approval_register, complaint_register
from .recovery import record_revoke, recovery_amount, recovery_settle
from .review import correction_complete, corrections_escalate_overdue, review_decide, review_open, review_start

__all__ = [
    "DEFAULT_CORRECTION_WORKING_DAYS",
    "ERR_ALREADY_REVOKED",
    "ERR_FINDING",
    "ERR_INSTRUCTIONS_REQUIRED",
    "ERR_NEGATIVE_AMOUNT",
    "ERR_NOT_COUNTY_OFFICER",
    "ERR_NOT_COUNTY_REVIEWER",
    "ERR_NOT_TOWNSHIP_CASE_WORKER",
    "ERR_NO_OPEN_CORRECTION",
    "ERR_PERIOD_NOT_ENDED",
    "ERR_PROGRAMME",
    "ERR_REASON_REQUIRED",
    "ERR_RECOVERY_SETTLED",
    "ERR_REGION_MISMATCH",
    "ERR_REPORT_REQUIRED",
    "ERR_REVIEWER_ACTED",
    "_PoolChanged",
    "_add_months",
    "_first_of_month",
    "_insert_drawn",
    "_mark_pooled",
    "_pk",
    "_pool_for",
    "approval_actor_add",
    "approval_one_off_update",
    "approval_register",
    "complaint_register",
    "correction_complete",
    "correction_working_days",
    "corrections_escalate_overdue",
    "draw_algo",
    "draw_run",
    "due_periods",
    "period_bounds",
    "record_revoke",
    "recovery_amount",
    "recovery_settle",
    "review_decide",
    "review_open",
    "review_start",
    "run_due_draws",
    "verify_draw",
]

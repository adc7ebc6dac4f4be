"""Payment-roll rules (domain.md §8 "Monthly payment", YKT19; SAI 68 for recoveries).

Rolls go forward month by month per township: a roll is generated only when every
earlier roll of the township is frozen and no later one exists, so "rolled before"
is always the sum of frozen rolls. For each monthly benefit a line pays

    this month's amount  +  arrears (owed for earlier months − rolled for them)  −  deductions

which is why a benefit approved late, or increased after a roll was frozen, is paid in the
next roll without anyone computing arrears by hand, and why the totals reconcile with the
benefits over any run of months (tests/caseload/test_payroll.py). Months before the
township's first roll in this system were paid by the previous system and are not owed here.

The package re-exports every name of its modules, so ``from workflows.payroll.services import X``
and ``services.X`` work wherever ``X`` lives; the clock (``_today``, ``_now``) is called through
the package, so patching ``workflows.payroll.services._today`` reaches every caller.
"""

from .common import ZERO, _audit, _now, _require, _today, benefit_owed, months_between
from .errors import (
    ERR_ACCOUNT_REQUIRED,
    ERR_ACCOUNT_UNCHANGED,
    ERR_ALREADY_REISSUED,
    ERR_ALREADY_RETURNED,
    ERR_DEDUCTION_AMOUNT,
    ERR_DEDUCTION_STALE,
    ERR_EARLIER_DRAFT,
    ERR_FROZEN,
    ERR_LATER_EXISTS,
    ERR_NOT_APPROVER,
    ERR_NOT_CASE_WORKER,
    ERR_NOT_FROZEN,
    ERR_NOT_RETURNED,
    ERR_NOT_TOWNSHIP_STAFF,
    ERR_REASON_REQUIRED,
    ERR_SAME_PERSON,
    ERR_TOO_EARLY,
)
from .export import may_view_roll, roll_export_record
from .freezing import deduction_order, roll_freeze
from .generation import roll_generate
from .returns import line_reissue_ready, line_return

__all__ = [
    "ERR_ACCOUNT_REQUIRED",
    "ERR_ACCOUNT_UNCHANGED",
    "ERR_ALREADY_REISSUED",
    "ERR_ALREADY_RETURNED",
    "ERR_DEDUCTION_AMOUNT",
    "ERR_DEDUCTION_STALE",
    "ERR_EARLIER_DRAFT",
    "ERR_FROZEN",
    "ERR_LATER_EXISTS",
    "ERR_NOT_APPROVER",
    "ERR_NOT_CASE_WORKER",
    "ERR_NOT_FROZEN",
    "ERR_NOT_RETURNED",
    "ERR_NOT_TOWNSHIP_STAFF",
    "ERR_REASON_REQUIRED",
    "ERR_SAME_PERSON",
    "ERR_TOO_EARLY",
    "ZERO",
    "_audit",
    "_now",
    "_require",
    "_today",
    "benefit_owed",
    "deduction_order",
    "line_reissue_ready",
    "line_return",
    "may_view_roll",
    "months_between",
    "roll_export_record",
    "roll_freeze",
    "roll_generate",
]

"""Caseload services (``<entity>_<action>(*, ..., actor)``): every rule about a benefit after
its approval lives here. Programme apps call ``benefit_open`` at approval and
``benefit_change`` for every later decision."""

from .benefits import _today, benefit_change, benefit_open, benefit_restore_on_appeal, benefit_stop_on_revocation
from .imports import caseload_import
from .recheck_bulk import recheck_schedule_caseload
from .rechecks import (
    benefit_phase_out,
    household_is_stable,
    phase_outs_end,
    recheck_decide,
    recheck_months_for,
    recheck_on_death,
    recheck_on_income_change,
    recheck_open_due,
    recheck_record_check_result,
    recheck_record_visit,
    recheck_request_check,
    recheck_schedule,
)

__all__ = [
    "_today",
    "benefit_change",
    "benefit_open",
    "benefit_phase_out",
    "benefit_restore_on_appeal",
    "benefit_stop_on_revocation",
    "caseload_import",
    "household_is_stable",
    "phase_outs_end",
    "recheck_decide",
    "recheck_months_for",
    "recheck_on_death",
    "recheck_on_income_change",
    "recheck_open_due",
    "recheck_record_check_result",
    "recheck_record_visit",
    "recheck_request_check",
    "recheck_schedule",
    "recheck_schedule_caseload",
]

"""Minimum living allowance (低保) and extreme-poverty support (特困) cases.

One process model serves both programmes (``programme``); ``DibaoFlow`` and
``TekunFlow`` drive it. The case keeps everything the decision rests on: the
acceptance date and deadlines (MSL 22), the one-time missing-materials notice
(MSL 10), the staff-relative register (MSL 11, 20), the finance-check result
and the rule versions used (MSL 23), the notice rounds and objections
(MSL 19), the three signatures and the decision (MSL 21).

Personal data stays on ``workflows.households``; public notices are built from
``workflows.dibao.documents.PublicNoticeData``, which cannot carry it.
"""

from .choices import (
    MONEY,
    USER,
    Channel,
    DeadlineKind,
    Decision,
    ExtensionReason,
    ObjectionRoute,
    StageDeadline,
    tekun_criteria_met,
)
from .filing import Attachment, StaffKinRecord
from .process import DibaoProcess
from .review import (
    CheckObjection,
    DemocraticAppraisal,
    HomeVisit,
    NoticeRound,
    Objection,
    OverdueAlert,
)

__all__ = [
    "MONEY",
    "USER",
    "Attachment",
    "Channel",
    "CheckObjection",
    "DeadlineKind",
    "Decision",
    "DemocraticAppraisal",
    "DibaoProcess",
    "ExtensionReason",
    "HomeVisit",
    "NoticeRound",
    "Objection",
    "ObjectionRoute",
    "OverdueAlert",
    "StaffKinRecord",
    "StageDeadline",
    "tekun_criteria_met",
]

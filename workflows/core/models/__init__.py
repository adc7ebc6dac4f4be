from .audit import AuditChainHead, AuditEvent
from .calendar import CalendarDay, CalendarYear
from .duties import CaseActorRecord, SeparationRule, StaffProfile, StaffRelative, StandIn
from .regions import County, Township, Village
from .rules import (
    AssetLimit,
    DibaoAmountBand,
    DibaoAmountRule,
    DibaoStandard,
    SamplingRule,
    TekunSupportRule,
    TemporaryAssistanceRule,
)
from .sendback import SendBack
from .staff import Role, StaffAssignment

__all__ = [
    "AssetLimit",
    "AuditChainHead",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "CaseActorRecord",
    "County",
    "DibaoAmountBand",
    "DibaoAmountRule",
    "DibaoStandard",
    "Role",
    "SamplingRule",
    "SendBack",
    "SeparationRule",
    "StaffAssignment",
    "StaffProfile",
    "StaffRelative",
    "StandIn",
    "TekunSupportRule",
    "TemporaryAssistanceRule",
    "Township",
    "Village",
]

from .audit import AuditChainHead, AuditEvent
from .calendar import CalendarDay
from .duties import CaseActorRecord, StaffProfile, StaffRelative, StandIn
from .regions import County, Township, Village
from .rules import (
    AssetLimit,
    DibaoStandard,
    SamplingRule,
    TemporaryAssistanceRule,
)
from .staff import Role, StaffAssignment

__all__ = [
    "AssetLimit",
    "AuditChainHead",
    "AuditEvent",
    "CalendarDay",
    "CaseActorRecord",
    "County",
    "DibaoStandard",
    "Role",
    "SamplingRule",
    "StaffAssignment",
    "StaffProfile",
    "StaffRelative",
    "StandIn",
    "TemporaryAssistanceRule",
    "Township",
    "Village",
]

"""Forms of the dibao / 特困 nodes. Field-level validation reuses the services'
validators, so the form and the service (also used by the portal) agree.

The package re-exports every name of its modules, so ``from workflows.dibao.forms import X``
works wherever ``X`` lives.
"""

from .common import _users_with, bootstrap_widgets
from .intake import ApplicationForm, LowIncomeApplicationForm, TekunApplicationForm
from .members import (
    ADD_MEMBER,
    ERR_NO_MEMBERS,
    ERR_TOO_MANY_MEMBERS,
    MAX_MEMBERS,
    BaseMemberFormSet,
    MemberForm,
    MemberFormSet,
    member_formset_adding_row,
    member_formset_factory,
)
from .nodes import (
    APPROVER_FLAG,
    MATERIAL_CHOICES,
    WARN_APPROVER_INVESTIGATOR,
    AcceptForm,
    AppraisalForm,
    CheckObjectionForm,
    CompleteMaterialsForm,
    DecideForm,
    HomeVisitForm,
    ObjectionForm,
    ObjectionRouteForm,
    ProposeForm,
    ReinvestigateForm,
    SignForm,
    StaffChoiceField,
    TerminateForm,
)

__all__ = [
    "ADD_MEMBER",
    "APPROVER_FLAG",
    "ERR_NO_MEMBERS",
    "ERR_TOO_MANY_MEMBERS",
    "MATERIAL_CHOICES",
    "MAX_MEMBERS",
    "WARN_APPROVER_INVESTIGATOR",
    "AcceptForm",
    "ApplicationForm",
    "AppraisalForm",
    "BaseMemberFormSet",
    "CheckObjectionForm",
    "CompleteMaterialsForm",
    "DecideForm",
    "HomeVisitForm",
    "LowIncomeApplicationForm",
    "MemberForm",
    "MemberFormSet",
    "ObjectionForm",
    "ObjectionRouteForm",
    "ProposeForm",
    "ReinvestigateForm",
    "SignForm",
    "StaffChoiceField",
    "TekunApplicationForm",
    "TerminateForm",
    "_users_with",
    "bootstrap_widgets",
    "member_formset_adding_row",
    "member_formset_factory",
]

"""The household-finance check (MSL 9, 15-18), objections to its result, and home visits (MSL 16, 20)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workflows.core.access import access_case, holds
from workflows.core.audit import diff
from workflows.core.types import Staff
from workflows.core.working_days import Calendar

# Test seams are looked up through the package, so that patching
# ``workflows.dibao.services.<name>`` reaches every caller.
from workflows.dibao import services

from ..models import (
    CheckObjection,
    DibaoProcess,
    HomeVisit,
)
from .acceptance import CHECK_START_DAYS
from .common import _audit
from .errors import (
    ERR_CHECK_OBJECTION_EVIDENCE,
    ERR_CHECK_OBJECTION_NOT_FAILED,
    ERR_CHECK_OBJECTION_NOT_STAFF,
    ERR_CHECK_OBJECTION_STATEMENT,
    ERR_INVESTIGATOR_NOT_COUNTY,
    ERR_INVESTIGATOR_NOT_STAFF,
    ERR_INVESTIGATORS_DISTINCT,
    ERR_NO_SIGNATORY,
)
from .intake import validate_upload
from .letters import _applicant_name, _issue_document
from .notice import _resolve_objections

if TYPE_CHECKING:
    from workflows.finance_check.models import FinanceCheckProcess

    from ..documents import CheckResultNoticeData


# ==============================================================================
# Household-finance check (MSL 9, 15-18)
# ==============================================================================
def _finance_check_request(**kwargs: Any) -> FinanceCheckProcess:
    from workflows.finance_check.services import finance_check_request

    return finance_check_request(**kwargs)


@transaction.atomic
def dibao_request_check(*, process: DibaoProcess) -> DibaoProcess:
    """Ask the county for the data check (needs every adult's authorisation, MSL 9)."""
    actor = process.accepted_by
    check = services._finance_check_request(
        household=process.household,
        purpose=process.programme,
        case_ref=f"dibao:{process.pk}",
        actor=actor,
        single_person_member=process.single_person_member,
    )
    # The request is the acceptance's own next step (same transaction), so it carries the
    # acceptance date, also when staff recorded an acceptance made earlier on paper.
    on = process.accepted_on or services._today()
    old = {"investigation_started_on": process.investigation_started_on, "check_due_on": process.check_due_on}
    process.finance_check_id = check.pk
    process.check_requested_on = on
    process.check_due_on = Calendar().add_working_days(on, CHECK_START_DAYS)
    process.check_started_on = None
    # MSL 15 names requesting the data check as one way the investigation starts.
    process.investigation_started_on = process.investigation_started_on or on
    process.save(update_fields=["finance_check_id", "check_requested_on", "check_due_on", "check_started_on",
                                "investigation_started_on"])  # fmt: skip
    new = {"investigation_started_on": process.investigation_started_on, "check_due_on": process.check_due_on}
    _audit(process, "dibao.check_requested", actor,
           changes={"finance_check_id": [None, check.pk], **diff(old, new)})  # fmt: skip
    return process


def check_failure_notice_data(process: DibaoProcess) -> CheckResultNoticeData:
    from ..documents import CheckResultNoticeData

    assert process.check_failure_notified_on is not None  # the notice of a failed check (_check_failure_notify)

    reasons = [r.get("message", "") for r in process.finance_result.get("reasons", []) if r.get("message")]
    return CheckResultNoticeData(
        case_number=process.case_number or "", applicant_name=_applicant_name(process), programme=process.programme,
        township_name=process.township.name, notified_on=process.check_failure_notified_on,
        reasons=tuple(reasons) or (str(_("家庭经济状况不符合条件。")),),
    )  # fmt: skip


def _check_failure_notify(process: DibaoProcess) -> None:
    """Tell the applicant the check found the household not eligible, with the reasons and the
    right to object with evidence (MSL 18): a notice letter, recorded on the case."""
    from ..documents import render_check_result_notice_pdf

    process.check_failure_notified_on = services._today()
    process.save(update_fields=["check_failure_notified_on"])
    data = check_failure_notice_data(process)
    document_id = _issue_document(
        process=process, kind="other", filename=f"{process.case_number}-check-result-{process.finance_check_id}.pdf",
        render=lambda url: render_check_result_notice_pdf(data, verification_url=url), actor=None,
    )  # fmt: skip
    _audit(process, "dibao.check_failure_notice", data={"document": document_id, "check_id": process.finance_check_id,
                                                        "reasons": [r.get("code") for r in process.finance_result.get("reasons", [])]})  # fmt: skip


@transaction.atomic
def check_objection_record(
    *, process: DibaoProcess, statement: str, evidence: UploadedFile, actor: Staff
) -> CheckObjection:
    """The applicant objects to a failed check with evidence (MSL 18), recorded by a township
    case worker: a new check of the household starts; the old check and its evidence stay.
    The case's result is replaced when the new check finishes; until then no opinion."""
    from workflows.finance_check.services import ConsentMissing

    process = DibaoProcess.objects.select_for_update().get(pk=process.pk)
    access_case(actor, process, "act_case_worker", error=ERR_CHECK_OBJECTION_NOT_STAFF)
    # Before the preliminary opinion only: the opinion rests on the check's result.
    if (process.finance_outcome != "not_eligible" or process.check_failure_notified_on is None or process.recheck_pending
            or process.proposes_approval is not None or process.decision
            or process.status in ("DONE", "CANCELED")):  # fmt: skip
        raise ValidationError(ERR_CHECK_OBJECTION_NOT_FAILED)
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError(ERR_CHECK_OBJECTION_STATEMENT)
    if evidence is None:
        raise ValidationError(ERR_CHECK_OBJECTION_EVIDENCE)
    validate_upload(evidence)
    old_check_id = process.finance_check_id
    assert old_check_id is not None  # a failed check's outcome is recorded (checked above)
    try:
        check = services._finance_check_request(
            household=process.household,
            purpose=process.programme,
            case_ref=f"dibao:{process.pk}",
            actor=actor,
            single_person_member=process.single_person_member,
        )
    except ConsentMissing as exc:
        raise ValidationError(exc.messages) from None
    objection = CheckObjection.objects.create(process=process, statement=statement, evidence=evidence,
                                              old_check_id=old_check_id, new_check_id=check.pk, recorded_by=actor)  # fmt: skip
    old = {"finance_check_id": old_check_id, "recheck_pending": False}
    process.finance_check_id = check.pk
    process.recheck_pending = True
    process.save(update_fields=["finance_check_id", "recheck_pending"])
    _audit(process, "dibao.check_objection", actor, changes=diff(old, {"finance_check_id": check.pk,
                                                                      "recheck_pending": True}),
           data={"objection": objection.pk, "old_check_id": old_check_id, "new_check_id": check.pk})  # fmt: skip
    return objection


def _finance_check_started_on(process: DibaoProcess) -> datetime.date | None:
    """The day the county's check of the case ran its first registry query (MSL 17), if it has."""
    from workflows.finance_check.selectors import check_started_on

    return check_started_on(process.finance_check_id) if process.finance_check_id else None


@transaction.atomic
def dibao_record_check(*, process: DibaoProcess, check_id: int, outcome: str, result: dict) -> DibaoProcess:
    """Store the finished check's outcome and result snapshot on the case."""
    old = {"finance_outcome": process.finance_outcome}
    process.finance_check_id = check_id
    process.finance_outcome = outcome
    process.finance_result = result
    if process.check_requested_on and process.check_started_on is None:
        process.check_started_on = services._finance_check_started_on(process) or services._today()
    process.recheck_pending = False
    process.save(update_fields=["finance_check_id", "finance_outcome", "finance_result", "check_started_on",
                                "recheck_pending"])  # fmt: skip
    _audit(
        process,
        "dibao.check_recorded",
        changes=diff(old, {"finance_outcome": outcome}),
        data={"check_id": check_id, "reasons": [r.get("code") for r in result.get("reasons", [])]},
    )
    if outcome == "not_eligible":  # every failed check, a re-check's too, is told (MSL 18)
        _check_failure_notify(process)
    return process


# ==============================================================================
# Home visits (MSL 16, 20)
# ==============================================================================
@transaction.atomic
def home_visit_record(
    *,
    process: DibaoProcess,
    investigator_1: Staff,
    investigator_2: Staff,
    visited_on: datetime.date,
    findings: str,
    family_signatories: str,
    actor: Staff,
    county: bool = False,
    reinvestigation: bool = False,
    tekun_confirmed: bool | None = None,
    resolution: str = "",
) -> HomeVisit:
    """A home visit by two distinct investigators, signed by the family (MSL 16);
    a county visit for staff-relative cases (MSL 20)."""
    if investigator_1.pk == investigator_2.pk:
        raise ValidationError(ERR_INVESTIGATORS_DISTINCT)
    if not family_signatories.strip():
        raise ValidationError(ERR_NO_SIGNATORY)
    for inv in (investigator_1, investigator_2):
        if county and not holds(inv, "act_county_officer", county=process.county_id):
            raise ValidationError(ERR_INVESTIGATOR_NOT_COUNTY % {"name": inv.get_username()})
        township_staff = holds(inv, "act_case_worker", township=process.township_id) or holds(
            inv, "act_approver", township=process.township_id
        )
        if not county and not township_staff:
            raise ValidationError(ERR_INVESTIGATOR_NOT_STAFF % {"name": inv.get_username()})
    visit = HomeVisit.objects.create(
        process=process,
        investigator_1=investigator_1,
        investigator_2=investigator_2,
        visited_on=visited_on,
        findings=findings,
        family_signatories=family_signatories,
        is_county=county,
        is_reinvestigation=reinvestigation,
        recorded_by=actor,
    )
    changes: dict[str, list[Any]] = {}
    if process.investigation_started_on is None:
        process.investigation_started_on = visited_on  # MSL 15: a home visit starts it too
        changes["investigation_started_on"] = [None, visited_on]
    if county:
        process.county_visit_done = True
        changes["county_visit_done"] = [False, True]
    if tekun_confirmed is not None and process.spec.intake.confirmed_by_home_visit:
        changes["tekun_confirmed"] = [process.tekun_confirmed, tekun_confirmed]
        process.tekun_confirmed = tekun_confirmed
    process.save()
    action = "dibao.county_home_visit" if county else ("dibao.reinvestigate" if reinvestigation else "dibao.home_visit")
    _audit(
        process,
        action,
        actor,
        changes=changes,
        data={"visit": visit.pk, "investigators": [investigator_1.pk, investigator_2.pk], "visited_on": visited_on},
    )
    if reinvestigation:
        _resolve_objections(process, resolution or findings, actor)
    return visit

"""Reads: what a user may see, deadlines, and the public face of a notice."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from workflows.core.access import holds
from workflows.core.models import County, Township, Village
from workflows.core.scope import regions_where, user_scope
from workflows.core.types import AnyUser, StrOrPromise
from workflows.core.working_days import Calendar
from workflows.finance_check.models import Outcome
from workflows.finance_check.selectors import halted_check_for

from .documents import PublicNoticeData
from .models import DibaoProcess, NoticeRound, Objection, OverdueAlert


def cases_for(user: AnyUser) -> QuerySet[DibaoProcess]:
    return DibaoProcess.objects.filter(user_scope(user).case_filter())


@dataclass(frozen=True)
class Deadline:
    due_on: datetime.date | None
    working_days_left: int | None
    overdue: bool
    provisional: bool = False  # ends in a year whose official schedule is not loaded


def deadline_of(
    process: DibaoProcess, *, today: datetime.date | None = None, calendar: Calendar | None = None
) -> Deadline:
    """Due date and working days left (negative once overdue) of an accepted case; none once
    decided or terminated (MSL 29), when the decision deadline no longer runs."""
    due = process.effective_due_on
    if due is None or process.decision:
        return Deadline(None, None, False)
    today = today or timezone.localdate()
    calendar = calendar or Calendar()
    left = calendar.working_days_between(today, due)
    return Deadline(due, left, left < 0, calendar.is_provisional(due))


@dataclass(frozen=True)
class StageRow:
    """One legal deadline of a case as staff see it (MSL 15, 17, 21, 22)."""

    label: str
    due_on: datetime.date
    met_on: datetime.date | None
    working_days_left: int | None  # None once met
    overdue: bool


def stage_deadlines_of(
    process: DibaoProcess, *, today: datetime.date | None = None, calendar: Calendar | None = None
) -> list[StageRow]:
    today = today or timezone.localdate()
    calendar = calendar or Calendar()
    rows = []
    for d in process.stage_deadlines():
        left = None if d.met_on else calendar.working_days_between(today, d.due_on)
        rows.append(StageRow(d.label, d.due_on, d.met_on, left, d.overdue_on(today)))
    return rows


def open_cases_with_deadlines(
    user: AnyUser, *, today: datetime.date | None = None
) -> list[tuple[DibaoProcess, Deadline, list[StageRow]]]:
    """Open cases with the decision deadline and every stage deadline (MSL 15, 17, 21, 22)."""
    calendar = Calendar()
    qs = (
        cases_for(user)
        .exclude(status__in=["DONE", "CANCELED"])
        .select_related("township", "village")
        .order_by("due_on", "pk")
    )
    return [
        (p, deadline_of(p, today=today, calendar=calendar), stage_deadlines_of(p, today=today, calendar=calendar))
        for p in qs
    ]


def is_township_approver(user: AnyUser, process: DibaoProcess) -> bool:
    return holds(user, "act_approver", township=process.township_id)


def is_township_case_worker(user: AnyUser, process: DibaoProcess) -> bool:
    return holds(user, "act_case_worker", township=process.township_id)


def staff_relative_cases(user: AnyUser) -> QuerySet[DibaoProcess]:
    """The separate register (MSL 11): flagged cases in the user's regions."""
    return cases_for(user).filter(staff_relative=True).select_related("township", "village").order_by("-created")


def overdue_alerts_for(user: AnyUser) -> QuerySet[OverdueAlert] | None:
    """Alerts for township approvers (their townships) and county staff (their county).

    ``None`` when the user holds neither role."""
    townships = set(regions_where(user, "act_approver", Township).values_list("pk", flat=True))
    counties = set(regions_where(user, "act_county_officer", County).values_list("pk", flat=True)) | set(
        regions_where(user, "act_county_reviewer", County).values_list("pk", flat=True)
    )
    if not townships and not counties:
        return None
    townships |= set(Township.objects.filter(county_id__in=counties).values_list("pk", flat=True))
    return (
        OverdueAlert.objects.filter(township_id__in=townships)
        .select_related("process", "township")
        .order_by("-raised_on", "pk")
    )


def objection_contact_for(process: DibaoProcess) -> str:
    # Printed on the posted notice, an official document: in the default language even
    # when the acting case worker reads the screens in English (like ``render_pdf``).
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("%(township)s社会事务办公室（民政窗口）") % {"township": process.township.name})


def public_notice(notice: NoticeRound) -> PublicNoticeData:
    """The notice's public fields only (MSL 24; ``PublicNoticeData`` cannot carry more).

    The one builder of a notice's data: the posted PDF, the village board's print and the
    objection pages (what an anonymous visitor may see) all show the same fields."""
    process = notice.process
    assert process.household is not None  # a case is filed with its household (dibao_application_file)
    head = process.household.head
    return PublicNoticeData(
        case_number=process.case_number or "",
        applicant_name=head.name if head else "",
        household_size=process.household.size,
        village_name=process.village.name,
        township_name=process.township.name,
        proposed_monthly_amount=notice.proposed_amount,
        notice_round=notice.round,
        posted_on=timezone.localtime(notice.posted_at).date(),
        ends_on=timezone.localtime(notice.ends_at).date(),
        objection_contact=objection_contact_for(process),
        programme=process.programme,
    )


def finance_outcome_label(outcome: str) -> StrOrPromise:
    """The check's conclusion in words ("符合条件"); an unknown code is shown as it is."""
    return Outcome(outcome).label if outcome in Outcome.values else outcome


def objections_of(process: DibaoProcess) -> list[dict]:
    """The objections to the case's notices, newest round first: what was said, when,
    and how it was resolved (the objector's contact stays on the register)."""
    rows = Objection.objects.filter(notice__process=process).select_related("notice")
    return [
        {"round": o.notice.round, "received_at": o.received_at, "anonymous": o.anonymous, "content": o.content,
         "resolution": o.resolution}
        for o in rows.order_by("-notice__round", "received_at")
    ]  # fmt: skip


def case_summary(process: DibaoProcess) -> dict:
    """What the approver sees next to the form: amount computation, check, flags."""
    return {
        "process_pk": process.pk,
        "case_number": process.case_number,
        "programme": process.get_programme_display(),
        "computation": process.amount_computation,
        "proposed_amount": process.proposed_amount,
        "finance_outcome": process.finance_outcome,
        # people read the conclusion, not its code (issue 14 §5)
        "finance_outcome_label": finance_outcome_label(process.finance_outcome),
        "finance_reasons": process.finance_result.get("reasons", []),
        "staff_relative": process.staff_relative,
        "county_visit_done": process.county_visit_done,
        "deadline": deadline_of(process),
        "stages": stage_deadlines_of(process),
        "check_halted": halted_check_for(f"dibao:{process.pk}"),
        # MSL 18: a failed check told to the applicant may be objected to with evidence
        "check_objection_open": process.finance_outcome == "not_eligible"
        and process.check_failure_notified_on is not None
        and not process.recheck_pending
        and process.proposes_approval is None
        and not process.decision
        and process.status not in ("DONE", "CANCELED"),
        "recheck_pending": process.recheck_pending,
        # MSL 19: the steps after a notice decide on its objections, so they are shown
        "objections": objections_of(process),
        "notice_round": process.notice_round,
    }


def notices_posted_in(village: Village, *, at: datetime.datetime | None = None) -> QuerySet[NoticeRound]:
    """The notice rounds on public display in ``village`` at ``at`` (now), by case number:
    what the village's notice board shows (MSL 19)."""
    at = at or timezone.now()
    return (
        NoticeRound.objects.filter(process__village=village, posted_at__lte=at, ends_at__gt=at)
        .select_related("process__household", "process__township", "process__village")
        .order_by("process__case_number", "round")
    )


# --- recognised households (低收入家庭认定, LB24) ------------------------------------------
#: Roles that open the register of recognised households (and see its menu link).
REGISTER_CODENAMES = frozenset({"act_case_worker", "act_approver", "act_county_officer"})


def may_open_recognised_register(user: AnyUser) -> bool:
    return any(codename in REGISTER_CODENAMES for _ct, _app, codename, _pk in user_scope(user).object_permissions)


def recognised_households(user: AnyUser) -> QuerySet:
    """The households recognised without cash (低收入家庭认定, LB24) whose benefit is not
    stopped, in the user's townships (a county officer: the county's), by township, village
    and case number. Each row carries its category (from the case's computation) and the
    household's members prefetched: a constant number of queries however long the list."""
    from django.db.models import OuterRef, Prefetch, Subquery

    from workflows.caseload.models import Benefit, BenefitStatus
    from workflows.core.programmes import BenefitKind
    from workflows.households.models import HouseholdMember

    cases = DibaoProcess.objects.filter(pk=OuterRef("source_case_id"))
    category = cases.values("amount_computation__category_label")[:1]
    return (
        Benefit.objects.filter(kind=BenefitKind.RECOGNITION, township_id__in=user_scope(user).township_ids)
        .exclude(status=BenefitStatus.STOPPED)
        .select_related("household__village", "township")
        .prefetch_related(Prefetch("household__members", queryset=HouseholdMember.objects.order_by("pk")))
        .annotate(category_label=Subquery(category))
        .order_by("township__code", "household__village__code", "case_number", "pk")
    )

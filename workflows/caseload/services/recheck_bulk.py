"""Scheduling the re-checks of a whole county's caseload at once (MSL 31), in bounded memory.

When a county adopts the engine, or changes its cadences, every benefit in force without
an open re-check needs one. ``recheck_schedule`` is the per-benefit decision (a lock, the
county rule, the household read through the ORM, an audit row): right for one approval,
hours for a million. This walks the county's benefits by primary key in chunks, reads what
the cadence needs as tuples (members' ID numbers and capacities, wage / business incomes),
inserts the chunk's re-checks in one statement and updates the benefits' next due dates
per cadence; each chunk commits on its own (locks held for one chunk only) and writes one
audit row on the county's chain naming the benefits it scheduled. Memory is one chunk,
whatever the caseload (bench/rechecks.py measures it at 100,000 and 1,000,000).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef

from workflows.core import programmes
from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.models import County
from workflows.core.types import Actor
from workflows.households.models import DeclaredIncome, HouseholdMember
from workflows.households.validators import birth_date_from_id

from ..models import Benefit, BenefitStatus, CaseloadRule, Recheck, RecheckOutcome, RecheckReason
from ..months import months_after
from . import errors
from .rechecks import UNSTABLE_INCOME_KINDS, able_of_working_age

CHUNK = 5000


def _unstable_households(household_ids: set[int], on: datetime.date) -> set[int]:
    """Of ``household_ids``, those with an able member of working age or wage / business
    income (the rule of ``household_is_stable``), from two queries of tuples."""
    unstable = set(
        DeclaredIncome.objects.filter(
            member__household_id__in=household_ids, kind__in=UNSTABLE_INCOME_KINDS, monthly_amount__gt=0
        ).values_list("member__household_id", flat=True)
    )
    members = HouseholdMember.objects.filter(household_id__in=household_ids).values_list(
        "household_id", "id_number", "can_work", "is_disabled", "is_student"
    )
    for household_id, id_number, can_work, disabled, student in members:
        if household_id not in unstable and able_of_working_age(
            birth_date_from_id(id_number), can_work=can_work, disabled=disabled, student=student, on=on
        ):
            unstable.add(household_id)
    return unstable


def recheck_schedule_caseload(*, county: County, after: datetime.date, actor: Actor, chunk_size: int = CHUNK) -> int:
    """Schedule a re-check for every benefit of ``county`` that is not stopped and has no
    open re-check, at the county's cadence for its household (MSL 31). The county officer
    (or the engine, ``actor=None``) does this. Returns how many were scheduled."""
    if actor is not None and not holds(actor, "act_county_officer", county=county.pk):
        raise PermissionDenied(errors.ERR_NOT_COUNTY_OFFICER)
    rule = CaseloadRule.for_county(county.pk, after)
    due = {
        True: (rule.stable_recheck_months, months_after(after, rule.stable_recheck_months)),
        False: (rule.unstable_recheck_months, months_after(after, rule.unstable_recheck_months)),
    }
    open_recheck = Recheck.objects.filter(benefit=OuterRef("pk"), outcome=RecheckOutcome.OPEN)
    todo = (
        Benefit.objects.filter(county=county)
        .exclude(status=BenefitStatus.STOPPED)
        .filter(~Exists(open_recheck))
        .order_by("pk")
    )
    done, last = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                todo.filter(pk__gt=last).values_list("pk", "household_id", "township_id", "programme")[:chunk_size]
            )
            if not batch:
                return done
            last = batch[-1][0]
            unstable = _unstable_households({household for _pk, household, _t, _p in batch}, after)
            by_cadence: dict[bool, list[int]] = defaultdict(list)
            rechecks = []
            for pk, household, township, programme in batch:
                stable = household not in unstable or not programmes.spec(programme).recheck.by_stability
                by_cadence[stable].append(pk)
                rechecks.append(Recheck(benefit_id=pk, county_id=county.pk, township_id=township,
                                        reason=RecheckReason.SCHEDULED, due_on=due[stable][1]))  # fmt: skip
            Recheck.objects.bulk_create(rechecks, batch_size=chunk_size)
            for stable, pks in by_cadence.items():
                months, due_on = due[stable]
                Benefit.objects.filter(pk__in=pks).update(recheck_months=months, next_recheck_due=due_on)
            audit_record(
                action="caseload.recheck_scheduled_caseload", target=county, actor=actor,
                data={"after": after, "scheduled": len(batch), "benefits": [batch[0][0], last],
                      "stable": len(by_cadence[True]), "unstable": len(by_cadence[False])},
            )  # fmt: skip
            done += len(batch)

"""Bringing an existing caseload in (issue 17 item 9): a county adopting the engine imports
the recipients its current system already pays, from a CSV (UTF-8) or XLSX export.

The file
    One row per household member, the way county systems export "家庭成员明细": every row
    repeats its household's columns (township, village, address, area, programme, amount,
    start month, bank account, last check date) and names one member; rows with the same
    ``户主身份证号码`` and ``救助类别`` are one household's benefit, and one of them is the
    applicant's own row (``成员身份证号码`` equal to ``户主身份证号码``, relation 本人). The
    header row names the columns (``COLUMNS``; the page offers an empty template).

The check (``dry_run=True`` writes nothing)
    Every row is validated: ID numbers (``workflows.core.id_numbers``), the township and
    village (code or name) within the importer's scope, the amount (yuan, at most two
    decimals, not negative), the start month and last check date (not in the future), and
    that a household's rows agree. Every problem is reported with its file line, column and
    reason; **a file with any problem imports nothing** (all or nothing: a county fixes its
    export and imports it again, so no household is half brought in).

Idempotent re-import
    A household whose applicant already has a benefit of the same programme that is not
    stopped (in the same county) is not imported again. When the file's monthly amount
    differs from the benefit's, the difference is *reported* and nothing is changed: an
    amount changes only by a change decision with a lawful ground (MSL 32).

What is written
    The household and its members (an existing household of the applicant in the county is
    reused and only the members missing from it are added), the benefit in force with its
    opening history row (kind "纳入保障", ground ``Ground.MIGRATED``, decided by the importer
    on the import day, no workflow case), its next re-check scheduled from the last check
    date by the county's cadence (``recheck_schedule``: 6 or 12 months, MSL 31), and the
    audit event ``caseload.benefit_migrated`` with the importer, the file's SHA-256 and line.
    The old system paid up to the import: the engine pays a migrated benefit from the month
    after the import (or its start month, if later), so no arrears arise for months the old
    system already paid; ``Benefit.starts`` keeps the original start month.

Who may import
    A county officer (``act_county_officer``) for the townships of their county, a township
    approver (``act_approver``) for their own township.
"""

from __future__ import annotations

import datetime
import hashlib

from django.db import transaction
from django.utils.translation import gettext

from workflows.core.audit import audit_record
from workflows.core.models import County
from workflows.core.types import Staff
from workflows.core.uploads import ERR_FILE_SIZE
from workflows.households.models import Household, HouseholdMember

from ...models import Benefit, BenefitChange, BenefitKind, BenefitStatus, ChangeKind, Ground
from ...months import next_month
from ..benefits import _today
from ..rechecks import recheck_schedule
from .checking import ImportReport, RowProblem, _check, _Household
from .reading import read_rows
from .scope import import_townships, may_import, may_import_into, require_import_townships
from .vocabulary import (
    AREA_WORDS,
    CHILD_WORDS,
    COLUMNS,
    DATE_FORMATS,
    ERR_AMOUNT,
    ERR_AMOUNT_DIFFERS,
    ERR_APPLICANT_ROW,
    ERR_AREA,
    ERR_DATE,
    ERR_FUTURE,
    ERR_INCONSISTENT,
    ERR_MEMBER_TWICE,
    ERR_MISSING_COLUMNS,
    ERR_MONTH,
    ERR_MONTH_FUTURE,
    ERR_NO_APPLICANT_ROW,
    ERR_NOT_ALLOWED,
    ERR_NOT_APPLICANT,
    ERR_PREVIEW_EXPIRED,
    ERR_PROGRAMME,
    ERR_RELATION,
    ERR_REQUIRED,
    ERR_TOO_LONG,
    ERR_TOWNSHIP_SCOPE,
    ERR_TOWNSHIP_UNKNOWN,
    ERR_VILLAGE_UNKNOWN,
    ERR_YES_NO,
    HEADER_OF,
    HOUSEHOLD_KEYS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    MONTH_FORMATS,
    OPTIONAL_COLUMNS,
    PROGRAMME_WORDS,
    RELATION_WORDS,
    Relation,
)


# --- writing --------------------------------------------------------------------------------
def _household_for(h: _Household, actor: Staff, cache: dict[tuple[str, int], Household]) -> Household:
    """The applicant's household in the county (reused, the missing members added) or a new one."""
    v = h.values
    key = (h.applicant_id, v["township"].county_id)
    household = cache.get(key)
    if household is None:
        household = (
            Household.objects.filter(
                county_id=v["township"].county_id,
                members__relation=Relation.APPLICANT,
                members__id_number=h.applicant_id,
            )
            .order_by("-pk")
            .first()
        )
    if household is None:
        household = Household.objects.create(
            county_id=v["township"].county_id, township=v["township"], village=v["village"], area=v["area"],
            address=v["address"], bank_account=v["bank_account"], created_by=actor,
        )  # fmt: skip
    elif v["bank_account"] and not household.bank_account:
        household.bank_account = v["bank_account"]
        household.save(update_fields=["bank_account"])
    cache[key] = household
    present = set(household.members.values_list("id_number", flat=True))
    HouseholdMember.objects.bulk_create(
        HouseholdMember(household=household, name=m.name, id_number=m.id_number, relation=m.relation,
                        can_work=m.can_work, is_disabled=m.is_disabled, is_student=m.is_student)
        for m in h.members if m.id_number not in present
    )  # fmt: skip
    return household


def _migrate(
    h: _Household,
    *,
    actor: Staff,
    today: datetime.date,
    file_sha256: str,
    file_name: str,
    cache: dict[tuple[str, int], Household],
) -> Benefit:
    v = h.values
    household = _household_for(h, actor, cache)
    amount, starts = v["amount"], v["starts"]
    paid_from = max(starts, next_month(today))  # the old system paid up to the import
    benefit = Benefit.objects.create(
        household=household, programme=h.programme,
        kind=BenefitKind.MONTHLY if amount > 0 else BenefitKind.RECOGNITION, monthly_amount=amount, starts=starts,
        status=BenefitStatus.IN_FORCE, county_id=v["township"].county_id, township=v["township"],
    )  # fmt: skip
    BenefitChange.objects.create(
        benefit=benefit, kind=ChangeKind.OPEN, ground=Ground.MIGRATED,
        reasons=gettext("从原系统迁入：原系统自%(starts)s起发放，上次复核日期%(checked)s；本系统自%(paid)s起发放。")
        % {"starts": f"{starts:%Y-%m}", "checked": f"{v['last_checked']:%Y-%m-%d}", "paid": f"{paid_from:%Y-%m}"},
        old_amount=None, new_amount=amount, old_status="", new_status=BenefitStatus.IN_FORCE, decided_on=today,
        effective_month=paid_from, decided_by=actor,
    )  # fmt: skip
    audit_record(
        action="caseload.benefit_migrated", target=benefit, actor=actor,
        changes={"status": [None, benefit.status], "monthly_amount": [None, str(amount)]},
        data={"programme": h.programme, "kind": benefit.kind, "starts": starts, "paid_from": paid_from,
              "last_checked": v["last_checked"], "file_sha256": file_sha256, "file_name": file_name, "row": h.line},
    )  # fmt: skip
    recheck_schedule(benefit=benefit, after=v["last_checked"], actor=actor)
    return benefit


@transaction.atomic
def caseload_import(*, content: bytes, file_name: str, dry_run: bool, actor: Staff) -> ImportReport:
    """Check (``dry_run``: nothing is written) or import a caseload file (see the module).

    All or nothing: a file with any problem imports nothing. Households already in force
    are skipped (amount differences reported, not applied), so importing the same file
    twice brings nobody in twice."""
    townships = require_import_townships(actor)
    report = ImportReport(file_sha256=hashlib.sha256(content).hexdigest())
    rows = read_rows(content=content, file_name=file_name)
    report.rows = len(rows)
    today = _today()
    households = _check(rows, townships, actor, today, report)
    if dry_run or report.problems:
        return report
    cache: dict[tuple[str, int], Household] = {}
    counties = set()
    for h in households:
        if h.existing is None:
            benefit = _migrate(h, actor=actor, today=today, file_sha256=report.file_sha256, file_name=file_name,
                               cache=cache)  # fmt: skip
            counties.add(benefit.county_id)
    for county in County.objects.filter(pk__in=counties):
        audit_record(
            action="caseload.import", target=county, actor=actor,
            data={"file_sha256": report.file_sha256, "file_name": file_name, "rows": report.rows,
                  "new": report.new, "existing": report.existing, "differences": len(report.differences)},
        )  # fmt: skip
    report.written = True
    return report


__all__ = [
    "AREA_WORDS",
    "CHILD_WORDS",
    "COLUMNS",
    "DATE_FORMATS",
    "ERR_AMOUNT",
    "ERR_AMOUNT_DIFFERS",
    "ERR_APPLICANT_ROW",
    "ERR_AREA",
    "ERR_DATE",
    "ERR_FILE_SIZE",
    "ERR_FUTURE",
    "ERR_INCONSISTENT",
    "ERR_MEMBER_TWICE",
    "ERR_MISSING_COLUMNS",
    "ERR_MONTH",
    "ERR_MONTH_FUTURE",
    "ERR_NOT_ALLOWED",
    "ERR_NOT_APPLICANT",
    "ERR_NO_APPLICANT_ROW",
    "ERR_PREVIEW_EXPIRED",
    "ERR_PROGRAMME",
    "ERR_RELATION",
    "ERR_REQUIRED",
    "ERR_TOO_LONG",
    "ERR_TOWNSHIP_SCOPE",
    "ERR_TOWNSHIP_UNKNOWN",
    "ERR_VILLAGE_UNKNOWN",
    "ERR_YES_NO",
    "HEADER_OF",
    "HOUSEHOLD_KEYS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "MONTH_FORMATS",
    "OPTIONAL_COLUMNS",
    "PROGRAMME_WORDS",
    "RELATION_WORDS",
    "ImportReport",
    "RowProblem",
    "caseload_import",
    "import_townships",
    "may_import",
    "may_import_into",
    "read_rows",
    "require_import_townships",
]

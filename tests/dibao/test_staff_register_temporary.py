# ruff: noqa: F811 - the temporary-assistance fixtures are imported, then requested by name
"""The staff-relative register (MSL 11) in temporary assistance: it has no county home visit,
but a township approval of a household on the register is forced into the county's
sampling draw (domain.md §7), and the register is matched there the same way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import make_id_number
from tests.temporary_assistance.conftest import fund_a, household_a  # noqa: F401 - fixtures
from tests.temporary_assistance.helpers import do, file_case
from workflows.dibao import register
from workflows.sampling.models import ApprovalRecord
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F


@pytest.mark.parametrize("as_staff", [False, True])
def test_register_line_flags_temporary_assistance_approval(
    region,
    county_officer,
    case_worker_a,
    approver_a,
    household_a,
    fund_a,
    as_staff,
):
    """MSL 11: a member listed on the imported register as a declared relative, or as the staff
    person themself, marks the township approval as a staff-relative case in the sampling pool."""
    member = household_a.members.get()
    other = next(n for n in (make_id_number(seq=s) for s in (501, 502)) if n != member.id_number)
    staff_id, relative_id = (member.id_number, "") if as_staff else (other, member.id_number)
    rows = f"陈村委,{staff_id},村（居）委会成员,990101001001,{'' if as_staff else '陈十'},{relative_id}," + (
        "本人" if as_staff else "兄弟姐妹"
    )
    header = "工作人员姓名,工作人员身份证号码,职务类别,区划代码,亲属姓名,亲属身份证号码,关系"
    report = register.staff_register_import(
        county=region.county, content=f"{header}\n{rows}\n".encode(), file_name="a.csv", confirm=True,
        actor=county_officer,
    )  # fmt: skip
    assert report.written, report.problems
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    assert ApprovalRecord.objects.get(process_id=process.pk).staff_relative


def test_household_not_on_register_is_not_flagged(region, case_worker_a, approver_a, household_a, fund_a):
    """Without a register line the approval is an ordinary one."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    assert not ApprovalRecord.objects.get(process_id=process.pk).staff_relative

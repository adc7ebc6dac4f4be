"""刚性支出 in the online application wizard (MSL 13): entered per member on the members
step, proof uploaded on the uploads step, shown on the review page, deducted in the proposal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.dibao.conftest import finance_check  # noqa: F401 - fixture
from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - fixture
from tests.households.conftest import (
    EXPENSE,
    INCOME,
    MEMBERS,
    PDF,
    assert_deduction_named,
    propose_after_check,
    urban_standard_760,
)
from workflows.dibao.models import DibaoProcess
from workflows.households.models import RigidExpense
from workflows.households.validators import ERR_EXPENSE_KIND

from .conftest import PHONE


def _to_members_step(client, region):
    assert client.post("/portal/apply/", {"village": region.village_a.pk}).status_code == 302
    r = client.post(
        "/portal/apply/household/",
        {"programme": "dibao", "area": "urban", "address": "城关社区 3 栋", "phone": PHONE, "bank_account": "",
         "deposits": "0", "members_count": str(len(MEMBERS)), "language": "zh-hans", "email": ""},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]


def _members(**overrides):
    n = len(MEMBERS)
    data = {"members-TOTAL_FORMS": str(n), "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": str(n),
            "members-MAX_NUM_FORMS": str(n)}  # fmt: skip
    for i, (name, id_number, relation) in enumerate(MEMBERS):
        data.update({f"members-{i}-name": name, f"members-{i}-id_number": id_number,
                     f"members-{i}-relation": relation, f"members-{i}-income_kind": "wage",
                     f"members-{i}-monthly_income": INCOME if i == 0 else "0"})  # fmt: skip
    data.update({"members-1-expense_kind": EXPENSE[0], "members-1-expense_monthly": EXPENSE[1]})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.usefixtures("finance_check")
def test_portal_disability_care_gives_1230(client, region, case_worker_a, case_worker_a2):
    """MSL 13 (issue 15 acceptance, portal): the household filed online with 150/month
    disability care is proposed 1,230.00 with the deduction named."""
    urban_standard_760(region.county)
    _to_members_step(client, region)
    assert client.post("/portal/apply/members/", _members()).status_code == 302
    page = client.get("/portal/apply/uploads/").content.decode()
    assert "吴小芳 的刚性支出凭证" in page
    r = client.post(
        "/portal/apply/uploads/",
        {"upload_application": SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf"),
         "upload_expense_proof_1": SimpleUploadedFile("护理费.pdf", PDF, content_type="application/pdf")},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    consents = {"authorise_0": "on", "authorise_1": "on", "truthfulness": "on"}
    assert client.post("/portal/apply/consents/", consents).status_code == 302
    review = client.get("/portal/apply/review/").content.decode()
    assert "刚性支出：因残康复、护理支出，每月 150.00 元" in review and "护理费.pdf" in review
    assert client.post("/portal/apply/review/").status_code == 302
    expense = RigidExpense.objects.get()
    assert expense.member.name == MEMBERS[1][0] and expense.proof.read().startswith(b"%PDF")
    assert DibaoProcess.objects.get().attachments.count() == 1  # the proof is the expense's, not a material
    process = propose_after_check(DibaoProcess.objects.get(), case_worker_a, case_worker_a2)
    assert_deduction_named(process)


def test_portal_expense_amount_without_kind_is_an_error(client, region):
    """An amount with no kind stays on the members step with a clear error."""
    _to_members_step(client, region)
    r = client.post("/portal/apply/members/", _members(**{"members-1-expense_kind": ""}))
    assert r.status_code == 200
    assert str(ERR_EXPENSE_KIND) in r.content.decode()

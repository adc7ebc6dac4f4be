"""刚性支出 entered at staff intake (MSL 13): per member kind, amount and proof; the
means test deducts it under the county rule and the proposal names the deduction."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

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
from workflows.households.models import Household, RigidExpense
from workflows.households.validators import ERR_EXPENSE_AMOUNT, ERR_EXPENSE_KIND

START_URL = "/staff/cases/dibao/start/"


def intake_post(village, **overrides):
    data = {
        "village": village.pk, "area": "urban", "address": "城关社区 3 栋 2 单元", "phone": "13912345678",
        "bank_account": "", "deposits": "0", "entrustment_note": "",
        "members-TOTAL_FORMS": str(len(MEMBERS) + 1), "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "15",
        "upload_application": SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf"),
    }  # fmt: skip
    for i, (name, id_number, relation) in enumerate(MEMBERS):
        data.update({f"members-{i}-name": name, f"members-{i}-id_number": id_number,
                     f"members-{i}-relation": relation, f"members-{i}-income_kind": "wage",
                     f"members-{i}-monthly_income": INCOME if i == 0 else "0"})  # fmt: skip
        if relation != "minor_child":
            data[f"members-{i}-signed_check_authorisation"] = "on"
    data["members-0-signed_truthfulness"] = "on"
    data.update(
        {
            "members-1-expense_kind": EXPENSE[0],
            "members-1-expense_monthly": EXPENSE[1],
            "members-1-expense_proof": SimpleUploadedFile("护理费.pdf", PDF, content_type="application/pdf"),
        }
    )
    data.update({"members-3-relation": "applicant", "members-3-income_kind": "wage"})  # a blank row
    data.update(overrides)  # fmt: skip
    return {k: v for k, v in data.items() if v is not None}


def test_staff_intake_disability_care_gives_1230(region, case_worker_a, case_worker_a2, client_for, finance_check):
    """MSL 13 (issue 15 acceptance, staff intake): urban household of 3, income 1,200,
    150/month disability care of the spouse, standard 760 → proposal 1,230.00 with the
    deduction named in the stored computation."""
    urban_standard_760(region.county)
    response = client_for(case_worker_a).post(START_URL, intake_post(region.village_a))
    assert response.status_code == 302, response.content.decode()[:3000]
    expense = RigidExpense.objects.get()
    assert expense.member.name == MEMBERS[1][0] and str(expense.monthly_amount) == EXPENSE[1]
    assert expense.proof.read().startswith(b"%PDF")
    process = propose_after_check(DibaoProcess.objects.get(), case_worker_a, case_worker_a2)
    assert_deduction_named(process)


def test_expense_needs_kind_and_amount(region, case_worker_a, client_for):
    """A spending amount without a kind, or a kind without an amount, is a field error;
    nothing is saved."""
    client = client_for(case_worker_a)
    response = client.post(START_URL, intake_post(region.village_a, **{"members-1-expense_kind": ""}))
    assert response.status_code == 200
    assert str(ERR_EXPENSE_KIND) in response.context["formset"].forms[1].errors["expense_kind"]
    response = client.post(START_URL, intake_post(region.village_a, **{"members-1-expense_monthly": ""}))
    assert str(ERR_EXPENSE_AMOUNT) in response.context["formset"].forms[1].errors["expense_monthly"]
    assert Household.objects.count() == 0


def test_expense_proof_of_wrong_type_is_refused(region, case_worker_a, client_for):
    """A proof that is not PDF/JPG/PNG gets the upload error at its field."""
    bad = SimpleUploadedFile("x.exe", b"MZ..", content_type="application/pdf")
    response = client_for(case_worker_a).post(
        START_URL, intake_post(region.village_a, **{"members-1-expense_proof": bad})
    )
    assert response.status_code == 200
    assert response.context["formset"].forms[1].errors["expense_proof"]
    assert RigidExpense.objects.count() == 0


def test_second_income_and_second_expense_rows_are_filed(region, case_worker_a, client_for):
    """A member with wages and a pension, and with both medical and care costs, files
    two income rows and two spending rows (MSL 13)."""
    from workflows.households.models import DeclaredIncome

    extra = {
        "members-0-income_kind_2": "transfer", "members-0-monthly_income_2": "300.00",
        "members-1-expense_kind_2": "illness", "members-1-expense_monthly_2": "80.50",
    }  # fmt: skip
    response = client_for(case_worker_a).post(START_URL, intake_post(region.village_a, **extra))
    assert response.status_code == 302, response.content.decode()[:3000]
    incomes = DeclaredIncome.objects.filter(member__name=MEMBERS[0][0])
    assert sorted((i.kind, str(i.monthly_amount)) for i in incomes) == [("transfer", "300.00"), ("wage", INCOME)]
    expenses = RigidExpense.objects.filter(member__name=MEMBERS[1][0])
    assert sorted((e.kind, str(e.monthly_amount)) for e in expenses) == [("disability", "150.00"), ("illness", "80.50")]


def test_second_income_needs_its_kind(region, case_worker_a, client_for):
    """A second income amount without a kind is an error at that field; nothing is saved."""
    from workflows.households.validators import ERR_INCOME_KIND

    response = client_for(case_worker_a).post(
        START_URL, intake_post(region.village_a, **{"members-0-monthly_income_2": "300.00"})
    )
    assert response.status_code == 200
    assert str(ERR_INCOME_KIND) in response.context["formset"].forms[0].errors["income_kind_2"]
    assert "<details" in response.content.decode()
    assert Household.objects.count() == 0

"""刚性支出 through the integration API (MSL 13): ``rigid_expenses`` per member with
kind, monthly amount and an optional Base64 proof; deducted in the proposal."""

from __future__ import annotations

import base64

import pytest

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

from .conftest import PHONE

URL = "/portal/api/v1/applications/"


def _payload(village_code, expense=None):
    members = []
    for i, (name, id_number, relation) in enumerate(MEMBERS):
        m = {"name": name, "id_number": id_number, "relation": relation,
             "monthly_income": INCOME if i == 0 else "0.00",
             "signed_check_authorisation": relation != "minor_child", "signed_truthfulness": i == 0}  # fmt: skip
        members.append(m)
    members[1]["rigid_expenses"] = [
        expense
        or {"kind": EXPENSE[0], "monthly_amount": EXPENSE[1], "proof_filename": "护理费.pdf",
            "proof_base64": base64.b64encode(PDF).decode()}
    ]  # fmt: skip
    return {"programme": "dibao", "village_code": village_code, "area": "urban", "address": "城关社区 3 栋",
            "phone": PHONE, "members": members,
            "uploads": [{"kind": "application", "filename": "a.pdf",
                         "content_base64": base64.b64encode(PDF).decode()}]}  # fmt: skip


@pytest.mark.usefixtures("finance_check")
def test_api_disability_care_gives_1230(client, region, api_client_a, case_worker_a, case_worker_a2):
    """MSL 13 (issue 15 acceptance, API): the household filed through the API with
    150/month disability care is proposed 1,230.00 with the deduction named."""
    urban_standard_760(region.county)
    _, key = api_client_a
    r = client.post(URL, _payload(region.village_a.code), "application/json", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 201, r.content
    expense = RigidExpense.objects.get()
    assert expense.kind == "disability" and expense.proof.read().startswith(b"%PDF")
    process = propose_after_check(DibaoProcess.objects.get(), case_worker_a, case_worker_a2)
    assert_deduction_named(process)


def _at(errors, *path):
    """DRF reports nested list errors as lists or as dicts keyed by the index."""
    for key in path:
        errors = errors[key] if isinstance(errors, list) or isinstance(key, str) else errors[str(key)]
    return errors


def test_api_bad_expense_is_a_400_naming_the_field(client, region, api_client_a):
    """Unknown kind, zero amount or a proof that is not a PDF/JPG/PNG: 400 with the
    field named, nothing filed."""
    _, key = api_client_a
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    for expense, field in (
        ({"kind": "holiday", "monthly_amount": "10.00"}, "kind"),
        ({"kind": "illness", "monthly_amount": "0.00"}, "monthly_amount"),
        ({"kind": "illness", "monthly_amount": "10.00", "proof_base64": base64.b64encode(b"MZ..").decode()},
         "proof_base64"),
        ({"kind": "illness", "monthly_amount": "10.00", "proof_base64": "@@@"}, "proof_base64"),
    ):  # fmt: skip
        r = client.post(URL, _payload(region.village_a.code, expense), "application/json", **auth)
        assert r.status_code == 400, (expense, r.content)
        assert field in _at(r.json(), "members", 1, "rigid_expenses", 0), r.json()
    assert not DibaoProcess.objects.exists()


def test_api_other_incomes_are_declared(client, region, api_client_a):
    """``other_incomes`` adds a further declared income of a member (MSL 13)."""
    from workflows.households.models import DeclaredIncome

    _, key = api_client_a
    payload = _payload(region.village_a.code)
    payload["members"][0]["other_incomes"] = [{"kind": "transfer", "monthly_amount": "300.00"}]
    r = client.post(URL, payload, "application/json", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 201, r.content
    kinds = sorted(DeclaredIncome.objects.filter(member__name=MEMBERS[0][0]).values_list("kind", flat=True))
    assert kinds == ["transfer", "wage"]
    payload["members"][0]["other_incomes"] = [{"kind": "lottery", "monthly_amount": "300.00"}]
    assert client.post(URL, payload, "application/json", HTTP_AUTHORIZATION=f"Token {key}").status_code == 400

"""The reserve-fund ledger is append-only (domain.md §6: every movement is a ledger entry; SAI 48).

Model, queryset, admin, API and (on PostgreSQL) a database trigger all refuse edits and deletes.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.conftest import requires_postgres
from workflows.core.audit import verify_chain
from workflows.funds import services
from workflows.funds.models import FundEntry, ReserveFund


def test_balance_is_sum_of_entries_and_audited(region, county_officer, approver_a, fund_a):
    """Allocation, replenishment, payment and reversal move the cached balance in step with the ledger;
    each movement is on the fund's audit chain, which verifies."""
    services.fund_replenish(
        township=region.township_a, budget_year=fund_a.budget_year, amount="500", reason="补充", actor=county_officer
    )
    pay = services.fund_pay(fund=fund_a, amount="1200.50", reason="救助", actor=approver_a)
    services.fund_reverse(payment=pay, amount="200.50", reason="多发退回", actor=approver_a)
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("9500.00") == fund_a.entries.total()
    services.fund_verify(fund_a)
    assert [e.balance_after for e in fund_a.entries.order_by("pk")] == [
        Decimal("10000.00"), Decimal("10500.00"), Decimal("9299.50"), Decimal("9500.00"),
    ]  # fmt: skip
    assert verify_chain(f"fund:{fund_a.pk}") is None


def test_only_county_officer_allocates(region, approver_a, case_worker_a, county_officer):
    """SAI 48: the county funds the township; township staff may not credit their own fund."""
    for user in (approver_a, case_worker_a):
        with pytest.raises(PermissionDenied):
            services.fund_allocate(township=region.township_a, budget_year=2026, amount="100", reason="x", actor=user)
    assert not ReserveFund.objects.exists()


def test_only_own_township_approver_pays(region, approver_b, county_officer, fund_a):
    """Wrong township / wrong role: township B's approver and the county officer cannot pay from A's fund."""
    for user in (approver_b, county_officer):
        with pytest.raises(PermissionDenied):
            services.fund_pay(fund=fund_a, amount="1", reason="x", actor=user)


def test_overdraft_refused_with_clear_message(region, approver_a, fund_a):
    """domain.md §6: a payment may never take the fund below zero; the message shows balance and amount."""
    with pytest.raises(ValidationError) as exc:
        services.fund_pay(fund=fund_a, amount="10000.01", reason="x", actor=approver_a)
    assert exc.value.messages == [
        str(services.ERR_INSUFFICIENT_FUNDS % {"balance": "10,000.00", "amount": "10,000.01"})
    ]
    services.fund_pay(fund=fund_a, amount="10000.00", reason="全部", actor=approver_a)
    fund_a.refresh_from_db()
    assert fund_a.balance == 0


def test_cannot_reverse_more_than_paid_or_a_non_payment(region, approver_a, fund_a):
    """A reversal links a payment and never exceeds what is left of it."""
    pay = services.fund_pay(fund=fund_a, amount="300", reason="救助", actor=approver_a)
    with pytest.raises(ValidationError):
        services.fund_reverse(payment=pay, amount="300.01", reason="x", actor=approver_a)
    with pytest.raises(ValidationError):
        services.fund_reverse(payment=fund_a.entries.get(kind="allocation"), amount="1", reason="x", actor=approver_a)


def test_model_and_queryset_refuse_update_and_delete(region, fund_a):
    """The model refuses save() of an existing entry and delete(); the queryset refuses update()/delete()."""
    entry = fund_a.entries.get()
    entry.amount = Decimal("99999")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        FundEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1"))
    with pytest.raises(PermissionError):
        FundEntry.objects.all().delete()
    assert FundEntry.objects.get(pk=entry.pk).amount == Decimal("10000.00")


def test_admin_refuses_change_and_delete(region, fund_a, admin_client):
    """Even a superuser gets 403 on the entry's change POST and delete page; no add either."""
    entry = fund_a.entries.get()
    assert admin_client.get(f"/admin/funds/fundentry/{entry.pk}/change/").status_code == 200  # read-only view
    assert admin_client.post(f"/admin/funds/fundentry/{entry.pk}/change/", {"amount": "1"}).status_code == 403
    assert admin_client.post(f"/admin/funds/fundentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/funds/fundentry/add/").status_code == 403
    assert admin_client.post(f"/admin/funds/reservefund/{fund_a.pk}/change/", {"balance": "1"}).status_code == 403
    assert FundEntry.objects.get(pk=entry.pk).amount == Decimal("10000.00")


def test_api_is_read_only(region, fund_a, approver_a, client_for):
    """The JSON API answers GET and refuses PUT/PATCH/DELETE/POST with 405."""
    entry = fund_a.entries.get()
    client = client_for(approver_a)
    assert client.get(f"/funds/api/entries/{entry.pk}/").json()["amount"] == "10000.00"
    for method in ("put", "patch", "delete", "post"):
        response = getattr(client, method)(
            f"/funds/api/entries/{entry.pk}/", data="{}", content_type="application/json"
        )
        assert response.status_code == 405, method
    assert client.delete(f"/funds/api/funds/{fund_a.pk}/entries/").status_code == 405
    assert FundEntry.objects.filter(pk=entry.pk).exists()


@requires_postgres
def test_postgres_trigger_refuses_raw_update_and_delete(region, fund_a):
    """On PostgreSQL the database itself refuses UPDATE and DELETE of ledger rows (raw SQL)."""
    entry = fund_a.entries.get()
    for sql in (
        "UPDATE funds_fundentry SET amount = 1 WHERE id = %s",
        "DELETE FROM funds_fundentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    assert FundEntry.objects.get(pk=entry.pk).amount == Decimal("10000.00")


def test_database_refuses_negative_balance(region, fund_a):
    """Second line of defence: the database check constraint refuses a negative cached balance."""
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        ReserveFund.objects.filter(pk=fund_a.pk).update(balance=Decimal("-0.01"))


def test_no_fund_for_year_is_a_clear_error(region, approver_a):
    """Paying from a year without an allocated fund names the township and the year."""
    with pytest.raises(ValidationError) as exc:
        services.lock_fund(township=region.township_a, budget_year=timezone.localdate().year)
    assert exc.value.code == "no_fund"

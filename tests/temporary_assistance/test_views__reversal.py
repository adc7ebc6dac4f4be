"""Staff reverse a staged payment on /temporary-assistance/case/<pk>/reverse/ (TA18 3(3); domain.md §6).

A reversal needs a written reason, never exceeds what is left of the payment, returns
township-fund money to the fund as a ``reversal`` ledger entry, and is audited on the case
chain. Township-fund money: the township approver (or the county officer); county money:
the county officer only. Out of scope: 404; in scope without the role: 403.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.temporary_assistance.helpers import do, file_case
from workflows.core.models import AuditEvent
from workflows.funds.models import FundEntry
from workflows.funds.services import fund_verify
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import Payment


def url(process):
    return f"/temporary-assistance/case/{process.pk}/reverse/"


@pytest.fixture
def township_paid(case_worker_a, approver_a, household_a, fund_a):
    """A 1,500 township-tier case approved and paid in full from township A's fund."""
    process = file_case(case_worker_a, household_a)
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500.00")
    return process, Payment.objects.get(process=process)


@pytest.fixture
def county_paid(case_worker_a, county_officer, household_a, fund_a):
    """A 2,500 county-tier case (above the 1,800 limit) approved and paid by the county."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("2500.00"))
    do(process, F.county_approve, county_officer, services.case_county_approve, approve=True, amount="2500.00")
    return process, Payment.objects.get(process=process)


def _nothing_written(fund, payment, balance):
    fund.refresh_from_db()
    payment.refresh_from_db()
    assert fund.balance == balance
    assert not FundEntry.objects.filter(kind=FundEntry.Kind.REVERSAL).exists()
    assert payment.reversed_amount == Decimal("0.00") and payment.reversal_reason == ""
    assert not AuditEvent.objects.filter(action="case.payment_reversed").exists()
    fund_verify(fund)


def test_approver_reverses_part_of_a_township_payment(township_paid, approver_a, fund_a, client_for):
    """TA18 3(3), domain.md §6: the township approver reverses 400 of a 1,500 fund payment with a
    reason; the fund balance rises by exactly 400 through a ``reversal`` entry linked to the
    payment, the payment shows 400 reversed, the case chain has the old/new reversed amount,
    and the page redirects to the fund's ledger with a success message."""
    process, payment = township_paid
    fund_a.refresh_from_db()
    before = fund_a.balance
    assert before == Decimal("8500.00")
    client = client_for(approver_a)
    page = client.get(url(process))
    assert page.status_code == 200
    assert "ta-reverse-form" in page.text and "1,500.00" in page.text
    response = client.post(url(process), {"payment": payment.pk, "amount": "400.00", "reason": "重复发放，退回"})
    assert response.status_code == 302
    assert response["Location"] == f"/funds/{fund_a.pk}/"
    fund_a.refresh_from_db()
    assert fund_a.balance - before == Decimal("400.00")
    entry = FundEntry.objects.get(kind=FundEntry.Kind.REVERSAL)
    assert entry.amount == Decimal("400.00") and entry.reason == "重复发放，退回"
    assert entry.reverses_id == payment.fund_entry_id and entry.process_id == process.pk
    payment.refresh_from_db()
    assert payment.reversed_amount == Decimal("400.00") and payment.reversal_reason == "重复发放，退回"
    event = AuditEvent.objects.get(action="case.payment_reversed")
    assert event.chain == f"case:{process.pk}" and event.actor == approver_a
    assert [Decimal(v) for v in event.changes["reversed_amount"]] == [Decimal("0.00"), Decimal("400.00")]
    assert event.data["reason"] == "重复发放，退回"
    fund_verify(fund_a)
    ledger = client.get(response["Location"])
    assert "已冲销第 1 次发放 400.00 元。" in ledger.text
    assert '<span id="fund-balance">8,900.00</span>' in ledger.text  # money with thousands separators
    again = client.get(url(process)).text
    assert (
        '<td class="text-end">1,500.00</td><td class="text-end">400.00</td><td class="text-end">1,100.00</td>' in again
    )
    assert "重复发放，退回" in ledger.text
    assert f"/temporary-assistance/case/{process.pk}/reverse/" in ledger.text  # the link on the payment row
    case_page = client.get(f"/staff/cases/temporaryassistance/{process.pk}/")
    assert case_page.status_code == 200
    assert 'id="ta-case-payments"' in case_page.text and "400.00" in case_page.text


def test_over_reversal_is_refused_and_nothing_is_written(township_paid, approver_a, fund_a, client_for):
    """TA18 3(3): reversing more than is left of the payment (1,600 of 1,500) is refused on the
    form with the translated message; fund, payment and audit chain are untouched."""
    process, payment = township_paid
    fund_a.refresh_from_db()
    before = fund_a.balance
    response = client_for(approver_a).post(url(process), {"payment": payment.pk, "amount": "1600.00", "reason": "错"})
    assert response.status_code == 200
    assert "冲销金额 1,600.00 元超过该笔发放尚未冲销的 1,500.00 元。" in response.text
    _nothing_written(fund_a, payment, before)


def test_second_reversal_cannot_exceed_what_is_left(township_paid, approver_a, fund_a, client_for):
    """TA18 3(3): after 1,000 of 1,500 is reversed, 600 more is refused (500 left); 500 is accepted and
    the payment is then offered no more (nothing left to reverse)."""
    process, payment = township_paid
    client = client_for(approver_a)
    assert (
        client.post(url(process), {"payment": payment.pk, "amount": "1000", "reason": "退回一部分"}).status_code == 302
    )
    refused = client.post(url(process), {"payment": payment.pk, "amount": "600.00", "reason": "再退"})
    assert "冲销金额 600.00 元超过该笔发放尚未冲销的 500.00 元。" in refused.text
    assert client.post(url(process), {"payment": payment.pk, "amount": "500", "reason": "全部退回"}).status_code == 302
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("10000.00")
    page = client.get(url(process))
    assert "ta-reverse-form" not in page.text and "没有您可以冲销的余额" in page.text
    fund_verify(fund_a)


def test_service_refuses_over_reversal_under_lock(township_paid, approver_a, fund_a):
    """TA18 3(3): the service itself refuses more than what is left (whatever the caller), writing nothing."""
    _process, payment = township_paid
    fund_a.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.payment_reverse(payment=payment, amount="1500.01", reason="超额", actor=approver_a)
    assert "尚未冲销的 1,500.00 元" in exc.value.messages[0]
    _nothing_written(fund_a, payment, Decimal("8500.00"))


def test_missing_reason_is_refused(township_paid, approver_a, fund_a, client_for):
    """TA18 3(3): a reversal without a written reason (blank or spaces) is refused; nothing is written."""
    process, payment = township_paid
    client = client_for(approver_a)
    for reason in ("", "   "):
        response = client.post(url(process), {"payment": payment.pk, "amount": "100.00", "reason": reason})
        assert response.status_code == 200
        assert "冲销必须写明理由。" in response.text
    with pytest.raises(ValidationError, match="冲销必须写明理由"):
        services.payment_reverse(payment=payment, amount="100.00", reason="  ", actor=approver_a)
    _nothing_written(fund_a, payment, Decimal("8500.00"))


@pytest.mark.parametrize("amount", ["0", "-5", "10.001", "abc"])
def test_bad_amount_is_refused(township_paid, approver_a, fund_a, client_for, amount):
    """The amount is Decimal, more than 0, at most two decimals; anything else is a form error."""
    process, payment = township_paid
    response = client_for(approver_a).post(url(process), {"payment": payment.pk, "amount": amount, "reason": "x"})
    assert response.status_code == 200 and "errorlist" in response.text
    _nothing_written(fund_a, payment, Decimal("8500.00"))


def test_case_worker_and_reviewer_get_403(township_paid, case_worker_a, county_reviewer, fund_a, client_for):
    """domain.md §6: the case worker who filed (and the county reviewer) see the case but may not
    reverse: GET and POST answer 403 and nothing is written."""
    process, payment = township_paid
    for user in (case_worker_a, county_reviewer):
        client = client_for(user)
        assert client.get(url(process)).status_code == 403
        post = client.post(url(process), {"payment": payment.pk, "amount": "100.00", "reason": "x"})
        assert post.status_code == 403
    with pytest.raises(PermissionDenied):
        services.payment_reverse(payment=payment, amount="100.00", reason="x", actor=case_worker_a)
    _nothing_written(fund_a, payment, Decimal("8500.00"))


def test_other_township_gets_404(township_paid, approver_b, case_worker_b, fund_a, client_for):
    """Region isolation: township B's approver cannot learn that township A's case exists (404), and the
    service refuses them too."""
    process, payment = township_paid
    for user in (approver_b, case_worker_b):
        client = client_for(user)
        assert client.get(url(process)).status_code == 404
        assert client.post(url(process), {"payment": payment.pk, "amount": "1", "reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.payment_reverse(payment=payment, amount="100.00", reason="x", actor=approver_b)
    _nothing_written(fund_a, payment, Decimal("8500.00"))


def test_county_payment_is_reversed_by_the_county_officer_only(
    county_paid, approver_a, county_officer, fund_a, client_for
):
    """TA18 3(3), SAI 48: county money (a county-tier case) is reversed by the county officer; the
    township approver gets 403 and the service refuses them; the township fund is not touched."""
    process, payment = county_paid
    assert payment.source == Payment.Source.COUNTY
    fund_a.refresh_from_db()
    before = fund_a.balance
    approver = client_for(approver_a)
    assert approver.get(url(process)).status_code == 403
    assert approver.post(url(process), {"payment": payment.pk, "amount": "500", "reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.payment_reverse(payment=payment, amount="500.00", reason="x", actor=approver_a)
    officer = client_for(county_officer)
    response = officer.post(url(process), {"payment": payment.pk, "amount": "500.00", "reason": "县级核减"})
    assert response.status_code == 302 and response["Location"] == url(process)
    payment.refresh_from_db()
    assert payment.reversed_amount == Decimal("500.00")
    fund_a.refresh_from_db()
    assert fund_a.balance == before
    assert not FundEntry.objects.filter(kind=FundEntry.Kind.REVERSAL).exists()
    event = AuditEvent.objects.get(action="case.payment_reversed")
    assert event.actor == county_officer and event.data["fund_entry"] is None
    page = officer.get(url(process))
    assert "已冲销第 1 次发放 500.00 元。" in page.text and "县级核减" in page.text


def test_county_officer_may_reverse_township_fund_money(township_paid, county_officer, fund_a, client_for):
    """docs/flows/temporary-assistance.md: the county officer (who allocates the fund) may also reverse a
    township-fund payment; the money returns to the township's fund."""
    process, payment = township_paid
    response = client_for(county_officer).post(
        url(process), {"payment": payment.pk, "amount": "1500", "reason": "撤销"}
    )
    assert response.status_code == 302
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("10000.00")
    fund_verify(fund_a)


def test_case_without_payments_shows_an_empty_list(case_worker_a, approver_a, household_a, fund_a, client_for):
    """A case not yet paid: the approver gets the page with an empty list and no form; a POST is refused."""
    process = file_case(case_worker_a, household_a)
    client = client_for(approver_a)
    page = client.get(url(process))
    assert page.status_code == 200
    assert "本案件尚无发放记录" in page.text and "ta-reverse-form" not in page.text
    assert client.post(url(process), {"payment": "1", "amount": "1", "reason": "x"}).status_code == 403


def test_other_flow_case_is_404(region, approver_a, client_for):
    """A process_pk that is not a temporary-assistance case answers 404."""
    assert client_for(approver_a).get("/temporary-assistance/case/999999/reverse/").status_code == 404

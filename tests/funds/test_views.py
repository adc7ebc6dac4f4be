"""Township and county views of the reserve funds (domain.md §6; SAI 48: county supervises)."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from workflows.funds import services
from workflows.funds.models import ReserveFund


def pay_many(fund, approver, n):
    for i in range(n):
        services.fund_pay(fund=fund, amount=Decimal("10.00"), reason=f"救助{i}", actor=approver)


def test_township_staff_see_own_fund_only(region, fund_a, county_officer, approver_a, approver_b, client_for):
    """Township A staff see A's balance and ledger; township B staff get 404 for A's fund."""
    services.fund_allocate(
        township=region.township_b, budget_year=fund_a.budget_year, amount="300", reason="拨付", actor=county_officer
    )
    response = client_for(approver_a).get(f"/funds/{fund_a.pk}/")
    assert response.status_code == 200
    assert "10,000.00" in response.text and "年度拨付" in response.text
    listed = [f.pk for f in client_for(approver_a).get("/funds/").context["funds"]]
    assert listed == [fund_a.pk]
    assert client_for(approver_b).get(f"/funds/{fund_a.pk}/").status_code == 404
    assert client_for(approver_b).get(f"/funds/{fund_a.pk}/ledger.csv").status_code == 404
    assert client_for(approver_b).get(f"/funds/api/funds/{fund_a.pk}/entries/").status_code == 404


def test_county_sees_all_funds_of_county(region, fund_a, county_officer, auditor, client_for):
    """County staff (officer, auditor) see every township fund of their county."""
    services.fund_allocate(
        township=region.township_b, budget_year=fund_a.budget_year, amount="300", reason="拨付", actor=county_officer
    )
    for user in (county_officer, auditor):
        funds = client_for(user).get("/funds/").context["funds"]
        assert {f.township_id for f in funds} == {region.township_a.pk, region.township_b.pk}


def test_outsider_sees_nothing(region, fund_a, outsider, client_for):
    """A user with no assignment gets 404 on a fund and an empty list."""
    client = client_for(outsider)
    assert client.get(f"/funds/{fund_a.pk}/").status_code == 404
    assert list(client.get("/funds/").context["funds"]) == []


def test_credit_form_county_officer_only(region, county_officer, approver_a, client_for):
    """Only the county officer may allocate through the page; the allocation lands in the ledger."""
    year = timezone.localdate().year
    data = {"kind": "allocation", "township": region.township_a.pk, "budget_year": year, "amount": "800.00",
            "reason": "年度拨付"}  # fmt: skip
    assert client_for(approver_a).post("/funds/credit/", data).status_code == 403
    response = client_for(county_officer).post("/funds/credit/", data)
    assert response.status_code == 302
    assert ReserveFund.objects.get(township=region.township_a, budget_year=year).balance == Decimal("800.00")


def test_ledger_page_query_count_is_constant(region, fund_a, approver_a, client_for):
    """The ledger page's query count does not grow with the number of entries (5 vs 50)."""
    client = client_for(approver_a)
    client.get(f"/funds/{fund_a.pk}/")  # warm caches (content types, session)
    pay_many(fund_a, approver_a, 4)
    with CaptureQueriesContext(connection) as five:
        assert client.get(f"/funds/{fund_a.pk}/").status_code == 200
    pay_many(fund_a, approver_a, 45)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(f"/funds/{fund_a.pk}/")
    assert response.status_code == 200 and len(response.context["page"]) == 50
    assert len(fifty) == len(five)


def test_csv_export_lists_every_entry(region, fund_a, approver_a, client_for):
    """The CSV export has a header and one row per ledger entry."""
    pay_many(fund_a, approver_a, 3)
    body = client_for(approver_a).get(f"/funds/{fund_a.pk}/ledger.csv").content
    rows = body.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 1 + 4


def test_fund_page_lists_pending_assist_first_for_township_and_county(
    region, fund_a, case_worker_a, approver_a, county_officer, client_for
):
    """TA18 2(2) / ZB20 15: township and county views of the fund show the assist-first payment whose
    paperwork is pending, and drop it once the paperwork is completed."""
    from tests.factories import HouseholdFactory, MemberFactory
    from tests.temporary_assistance.helpers import do, file_case, paperwork_waived
    from workflows.temporary_assistance import services as ta
    from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F

    household = HouseholdFactory(village=region.village_a)
    MemberFactory(household=household)
    process = file_case(case_worker_a, household, assist_first=True, requested_amount=Decimal("1000.00"))
    do(process, F.assist_first_pay, approver_a, ta.case_assist_first_pay, amount="1000")

    def pending_section(user):
        page = client_for(user).get(f"/funds/{fund_a.pk}/").content.decode()
        assert "9,000.00" in page  # the balance after the payment
        return page.split("<h4>先行救助待补办手续</h4>")[1].split("<h4>台账</h4>")[0]

    for user in (approver_a, county_officer):
        section = pending_section(user)
        assert process.case_number in section and "先行救助，待补办手续" in section
    do(process, F.complete_paperwork, case_worker_a, ta.case_complete_paperwork,
       **paperwork_waived(process))  # fmt: skip
    assert process.case_number not in pending_section(county_officer)

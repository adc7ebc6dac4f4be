"""Help where the emergency happens (急难发生地, TA18; ZB20; domain.md §8).

A township's case worker opens an emergency case for a household registered in another
township (of the county, or of another county in the system). The helping township decides
and pays from its own reserve fund within its own limit; the registration township (and its
county) is told and sees this one case read-only; the frequency limit counts every case of
the household; the helping township sees no other case of that household.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories
from tests.temporary_assistance.helpers import do, file_case
from workflows.core.driving import open_tasks
from workflows.core.flows import case_readable, case_visible
from workflows.core.models import AuditEvent
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.funds.models import FundEntry
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import TemporaryAssistanceProcess
from workflows.workspace.models import Notification

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def file_at_place(user, household, village, **overrides):
    return file_case(user, household, emergency_village=village, **overrides)


@pytest.fixture
def other_county():
    """A second county using the system, with a township, a village, a household and staff."""
    county = factories.CountyFactory(code="990102", name="邻县")
    township = factories.TownshipFactory(county=county, code="990102001", name="东岭镇")
    village = factories.VillageFactory(township=township, code="990102001001", name="东岭村")
    factories.configure_rules(county, urban_monthly="500.00")
    household = factories.HouseholdFactory(village=village)
    factories.MemberFactory(household=household)
    worker = factories.UserFactory(username="worker_c")
    assignment_grant(user=worker, role=Role.CASE_WORKER, region=township, actor=None)
    officer = factories.UserFactory(username="officer_c")
    assignment_grant(user=officer, role=Role.COUNTY_OFFICER, region=county, actor=None)
    return {"county": county, "township": township, "household": household, "worker": worker, "officer": officer}


def test_person_from_another_township_is_paid_from_the_helping_townships_fund(
    region, case_worker_a, approver_a, household_b, fund_a, django_capture_on_commit_callbacks
):
    """TA18 / ZB20 (acceptance): township A helps a household of township B at the place of the
    emergency; the case lives in A (A's limit, A's approver) and is paid from A's reserve fund."""
    with django_capture_on_commit_callbacks(execute=True):
        process = file_at_place(case_worker_a, household_b, region.village_a, requested_amount=Decimal("1200.00"))
    assert (process.township, process.village, process.county) == (region.township_a, region.village_a, region.county)
    assert process.registration_township == region.township_b and process.at_emergency_place
    assert process.tier == "township" and process.township_limit == Decimal("1800.00")
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount=Decimal("1200.00"))
    process.refresh_from_db()
    assert process.paid_amount() == Decimal("1200.00") and process.is_fully_paid()
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("8800.00")
    entry = FundEntry.objects.get(process_id=process.pk)
    assert entry.fund == fund_a and entry.amount == Decimal("-1200.00")


def test_registration_township_and_county_are_notified(
    region, case_worker_a, case_worker_b, approver_b, county_officer, household_b, django_capture_on_commit_callbacks
):
    """TA18; domain.md §8: the registration township's staff and the county are told, after the commit."""
    with django_capture_on_commit_callbacks(execute=True):
        process = file_at_place(case_worker_a, household_b, region.village_a)
    told = set(Notification.objects.filter(kind="shared_case", process_id=process.pk).values_list("user", flat=True))
    assert told == {case_worker_b.pk, approver_b.pk, county_officer.pk}
    assert AuditEvent.objects.filter(process_id=process.pk, action="case.emergency_place").exists()


def test_ordinary_case_tells_nobody_elsewhere(
    region, case_worker_a, case_worker_b, household_a, django_capture_on_commit_callbacks
):
    """A case for a household of the township itself is no shared case: nobody else is told."""
    with django_capture_on_commit_callbacks(execute=True):
        process = file_case(case_worker_a, household_a, emergency_village=region.village_a)
    assert process.registration_township_id is None
    assert not Notification.objects.filter(kind="shared_case").exists()
    assert not case_readable(case_worker_b, process)


def test_registration_township_views_the_case_read_only(
    region, case_worker_a, approver_a, approver_b, case_worker_b, household_b, fund_a, client_for
):
    """TA18 / ZB20: the registration township opens the case page and its history, but no task
    page, and cannot decide: its approver is refused by the service (no grant beyond viewing)."""
    process = file_at_place(case_worker_a, household_b, region.village_a)
    assert case_readable(approver_b, process) and not case_visible(approver_b, process)
    assert F.instance.has_view_permission(approver_b, process)
    client = client_for(approver_b)
    page = client.get(f"/workspace/case/{process.pk}/")
    assert page.status_code == 200
    assert 'id="read-only-share"' in page.text
    assert client.get(f"/history/case/{process.pk}/").status_code == 200
    task = open_tasks(process, F.township_approve).get()
    base = f"/staff/cases/temporaryassistance/{process.pk}/township_approve/{task.pk}"
    assert client.get(f"{base}/").status_code == 404
    assert client.post(f"{base}/assign/").status_code == 404
    assert client.post(f"{base}/execute/", {"approve": "1", "amount": "1500.00"}).status_code == 404
    assert not F.township_approve.can_assign(approver_b, task)
    assert not F.township_approve.can_execute(approver_b, task)
    with pytest.raises(PermissionDenied):
        do(process, F.township_approve, approver_b, services.case_township_approve, approve=True, amount=Decimal("1"))
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("10000.00")
    # the case file export stays with the acting scope
    assert client.get(f"/history/case/{process.pk}/export.pdf").status_code == 404


def test_helping_township_sees_only_this_case_of_the_household(
    region, case_worker_a, approver_a, case_worker_b, household_b, client_for
):
    """TA18 / ZB20 scope: township A sees the case it opened, never the household's cases in B,
    and the household does not join A's intake list."""
    earlier = file_case(case_worker_b, household_b, cause="flood", event_date=YESTERDAY - datetime.timedelta(days=60))
    process = file_at_place(case_worker_a, household_b, region.village_a)
    assert case_visible(case_worker_a, process)
    assert not case_readable(case_worker_a, earlier) and not case_readable(approver_a, earlier)
    client = client_for(case_worker_a)
    assert client.get(f"/workspace/case/{process.pk}/").status_code == 200
    assert client.get(f"/workspace/case/{earlier.pk}/").status_code == 404
    assert client.get(f"/history/case/{earlier.pk}/").status_code == 404
    assert not services.households_for_intake(case_worker_a).filter(pk=household_b.pk).exists()


def test_unrelated_township_sees_nothing(region, case_worker_a, household_b, client_for):
    """The share is for the registration township only: a third township gets a 404."""
    township_c = factories.TownshipFactory(county=region.county, code="990101003", name="北坡镇")
    worker_c = factories.UserFactory(username="worker_third")
    assignment_grant(user=worker_c, role=Role.CASE_WORKER, region=township_c, actor=None)
    process = file_at_place(case_worker_a, household_b, region.village_a)
    assert not case_readable(worker_c, process)
    assert client_for(worker_c).get(f"/workspace/case/{process.pk}/").status_code == 404


def test_frequency_counts_across_both_townships(region, case_worker_a, case_worker_b, household_b):
    """TA18 2(3): the same event helped in B is not helped again in A; and the yearly count
    includes the cases filed in either township (default 2 per household per event year)."""
    file_case(case_worker_b, household_b, cause="fire", event_date=YESTERDAY)
    with pytest.raises(ValidationError) as exc:
        file_at_place(case_worker_a, household_b, region.village_a, cause="fire", event_date=YESTERDAY)
    assert exc.value.code == "same_event"
    file_at_place(case_worker_a, household_b, region.village_a, cause="accident", event_date=YESTERDAY)
    with pytest.raises(ValidationError) as exc:
        file_at_place(case_worker_a, household_b, region.village_a, cause="sudden_illness", event_date=YESTERDAY)
    assert exc.value.code == "yearly_limit"


def test_only_emergencies_and_only_the_place_townships_case_worker(
    region, case_worker_a, case_worker_b, household_b, household_a
):
    """TA18 2(1): spending-shock cases go to the registration township; a case worker cannot
    claim an emergency in a township that is not theirs; a new household is registered at home."""
    with pytest.raises(ValidationError) as exc:
        file_at_place(case_worker_a, household_b, region.village_a, kind="spending_shock")
    assert exc.value.code == "emergency_place_kind"
    with pytest.raises(ValidationError) as exc:  # B's worker naming a village of A for A's own household
        file_at_place(case_worker_b, household_a, region.village_a)
    assert exc.value.code == "outside"
    with pytest.raises(ValidationError) as exc:  # A's worker naming a village of B as the place, for A's household
        file_at_place(case_worker_a, household_a, region.village_b)
    assert exc.value.code == "emergency_place_outside"
    assert not TemporaryAssistanceProcess.objects.exists()


def test_household_of_another_county_is_helped_within_the_helping_countys_limit(
    region, case_worker_a, approver_a, fund_a, county_officer, other_county, client_for
):
    """ZB20 (异地救助): a household of another county in the system; the helping township's limit
    (its county's rule, 3 × 600.00) applies, not the registration county's (3 × 500.00); the
    registration county's officer sees the case but cannot act; this county's officer acts as usual."""
    household = other_county["household"]
    process = file_at_place(case_worker_a, household, region.village_a, requested_amount=Decimal("1700.00"))
    assert process.township_limit == Decimal("1800.00") and process.tier == "township"
    assert process.registration_township == other_county["township"]
    officer_c = other_county["officer"]
    assert case_readable(officer_c, process) and not case_visible(officer_c, process)
    assert case_readable(other_county["worker"], process)
    assert client_for(officer_c).get(f"/workspace/case/{process.pk}/").status_code == 200
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount=Decimal("1700.00"))
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("8300.00")


def test_staff_start_form_files_at_the_place_of_emergency(region, case_worker_a, household_b, client_for):
    """TA18 / ZB20: the intake form finds a household of another township by ID number when the
    place of emergency is named; without it the number is looked up in the township only."""
    client = client_for(case_worker_a)
    url = "/staff/cases/temporaryassistance/start/"
    id_number = household_b.members.first().id_number
    data = {
        "find_id_number": id_number, "kind": "emergency", "cause": "fire", "event_date": YESTERDAY.isoformat(),
        "cause_detail": "外出务工时住处失火", "requested_amount": "1000.00", "_viewflow_activation-started": "",
    }  # fmt: skip
    refused = client.post(url, data)
    assert refused.status_code == 200 and not TemporaryAssistanceProcess.objects.exists()
    response = client.post(url, {**data, "emergency_village": region.village_a.pk})
    assert response.status_code == 302, response.content[:3000]
    process = TemporaryAssistanceProcess.objects.get()
    assert process.household == household_b and process.township == region.township_a
    assert process.registration_township == region.township_b

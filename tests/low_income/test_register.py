"""The register of recognised low-income households (低收入家庭认定, LB24, LI23; domain.md §8):
township staff see their township's, county officers their county's; the CSV export is
logged before the file is produced and carries no ID numbers; constant queries."""

from __future__ import annotations

import csv
import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from workflows.caseload.models import Benefit, BenefitStatus
from workflows.core.models import AuditEvent
from workflows.core.programmes import BenefitKind

URL = reverse("dibao:low_income")
CSV_URL = reverse("dibao:low_income_csv")


def recognised(township, *, name="赵大爷", kind=BenefitKind.RECOGNITION, status=BenefitStatus.IN_FORCE, **kw):
    """A recognised household as ``benefit_open`` records it (no case behind it: the register
    reads benefits)."""
    household = factories.HouseholdFactory(village=factories.VillageFactory(township=township))
    factories.MemberFactory(household=household, name=name)
    factories.MemberFactory(household=household, relation="spouse")
    return Benefit.objects.create(
        household=household, programme="low_income", kind=kind, starts=datetime.date(2026, 1, 1), status=status,
        county=township.county, township=township, next_recheck_due=datetime.date(2027, 1, 1), **kw,
    )  # fmt: skip


def test_township_staff_see_their_township_county_officers_the_county(
    region, client_for, case_worker_a, county_officer
):
    """Region isolation: township A's case worker sees A's recognised households only; the
    county officer sees both townships'. Stopped recognitions and cash benefits are not listed."""
    recognised(region.township_a, name="甲户主")
    recognised(region.township_b, name="乙户主")
    recognised(region.township_a, name="停户主", status=BenefitStatus.STOPPED)
    recognised(region.township_a, name="低保户主", kind=BenefitKind.MONTHLY)
    page = client_for(case_worker_a).get(URL).content.decode()
    assert "甲户主" in page and "乙户主" not in page
    assert "停户主" not in page and "低保户主" not in page
    page = client_for(county_officer).get(URL).content.decode()
    assert "甲户主" in page and "乙户主" in page


def test_people_without_a_township_role_are_refused(region, client_for, outsider, village_assistant_a):
    """The register is the township's and county's: a user without such a role gets 403, and
    nothing is logged for a refused export."""
    assert client_for(outsider).get(URL).status_code == 403
    assert client_for(village_assistant_a).post(CSV_URL).status_code == 403
    assert not AuditEvent.objects.filter(action="dibao.recognised_register_exported").exists()


def test_the_list_runs_a_constant_number_of_queries(region, client_for, case_worker_a):
    """Two or eight households: the same number of queries (members prefetched, category
    read by a subquery)."""
    client = client_for(case_worker_a)
    for _ in range(2):
        recognised(region.township_a)
    client.get(URL)  # warm caches (session, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for _ in range(6):
        recognised(region.township_a)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(response.context["rows"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_csv_export_is_logged_and_holds_no_id_numbers(region, client_for, county_officer):
    """Every export is logged (who, which townships, how many rows) before the file; the file
    has the register's columns and no ID number."""
    benefit = recognised(region.township_a, name="甲户主")
    response = client_for(county_officer).post(CSV_URL)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["案件编号", "乡镇（街道）", "村（社区）", "申请人"]
    assert rows[1][3] == "甲户主" and rows[1][4] == "2"
    for member in benefit.household.members.all():
        assert member.id_number not in response.content.decode("utf-8-sig")
    event = AuditEvent.objects.get(action="dibao.recognised_register_exported")
    assert event.actor_id == county_officer.pk and event.data["rows"] == 1
    assert set(event.data["townships"]) == {region.township_a.pk, region.township_b.pk}


def test_the_export_is_post_only(region, client_for, case_worker_a):
    """A GET cannot produce the file (the export is an action that is logged)."""
    assert client_for(case_worker_a).get(CSV_URL).status_code == 405

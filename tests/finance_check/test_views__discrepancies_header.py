"""Issue 14 §5: the discrepancy page names the requesting case by its case number and the
applicant by name, never by the internal reference ("dibao:16")."""

from __future__ import annotations

from django.urls import reverse

from tests.dibao.conftest import accept, file_case, finance_check  # noqa: F401 - fixture
from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - fixture
from workflows.dibao.models import DibaoProcess


def test_discrepancy_page_names_case_number_and_applicant(region, case_worker_a, finance_check, client_for):  # noqa: F811
    """The header shows DB-… and the applicant's name; no "dibao:<pk>" reference."""
    process = DibaoProcess.objects.get(
        pk=finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a)).pk
    )
    html = (
        client_for(case_worker_a)
        .get(reverse("finance_check:discrepancies", args=[process.finance_check_id]))
        .content.decode()
    )
    assert process.case_number in html
    assert process.household.head.name in html
    assert f"dibao:{process.pk}" not in html


def test_discrepancy_page_is_not_shown_outside_the_township(
    region,
    case_worker_a,
    case_worker_b,
    finance_check,  # noqa: F811
    client_for,
):
    """Another township's case worker gets a 404."""
    process = DibaoProcess.objects.get(
        pk=finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a)).pk
    )
    response = client_for(case_worker_b).get(reverse("finance_check:discrepancies", args=[process.finance_check_id]))
    assert response.status_code == 404

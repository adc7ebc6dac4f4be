"""The one access helper (``workflows.core.access``): acting rights are per region (domain.md §1)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from workflows.core.access import LEVEL_OF, access_case, holds


def test_holds_only_in_the_users_own_region(region, approver_a, case_worker_a, county_officer):
    """An approver of township A acts in A, not in B; a case worker is no approver; a county
    officer acts on the county, not as a township approver; instance or pk both work."""
    assert holds(approver_a, "act_approver", township=region.township_a)
    assert holds(approver_a, "act_approver", township=region.township_a.pk)
    assert not holds(approver_a, "act_approver", township=region.township_b.pk)
    assert not holds(case_worker_a, "act_approver", township=region.township_a.pk)
    assert holds(county_officer, "act_county_officer", county=region.county.pk)
    assert not holds(county_officer, "act_approver", township=region.township_a.pk)
    assert not holds(approver_a, "act_approver", township=None)  # a case without a township


def test_a_model_wide_permission_is_not_a_region(region, case_worker_b):
    """A model-wide ``core.act_approver`` (never granted by the app, but possible in the admin)
    gives no township: only object permissions count."""
    case_worker_b.user_permissions.add(Permission.objects.get(codename="act_approver"))
    assert not holds(case_worker_b, "act_approver", township=region.township_a.pk)


def test_holds_names_exactly_one_region(approver_a, region):
    """Naming no region or two is a programming error, not a silent no."""
    with pytest.raises(TypeError):
        holds(approver_a, "act_approver")
    with pytest.raises(TypeError):
        holds(approver_a, "act_approver", township=region.township_a.pk, county=region.county.pk)


def test_access_case_refuses_the_wrong_township_and_the_excluded_actor(region, approver_a, approver_b):
    """``access_case`` raises the caller's message for the wrong region, and the separation
    message for an actor excluded from the step; passes otherwise."""
    case = SimpleNamespace(
        township_id=region.township_a.pk, excluded_actor_ids=lambda node: {approver_a.pk} if node == "decide" else set()
    )
    access_case(approver_a, case, "act_approver", error="wrong region")
    with pytest.raises(PermissionDenied, match="wrong region"):
        access_case(approver_b, case, "act_approver", error="wrong region")
    with pytest.raises(PermissionDenied, match="own case"):
        access_case(approver_a, case, "act_approver", error="wrong region", node="decide", separation_error="own case")


def test_every_acting_codename_has_a_level():
    """The level of each ``act_*`` codename comes from the region models' permissions."""
    assert LEVEL_OF["act_case_worker"] == "township"
    assert LEVEL_OF["act_county_reviewer"] == "county"
    assert LEVEL_OF["act_village_assistant"] == "village"

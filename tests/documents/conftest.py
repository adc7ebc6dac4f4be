import pytest

from workflows.core.driving import start_case
from workflows.skeleton import services as skeleton_services
from workflows.skeleton.flows import SkeletonFlow

FAKE_PDF = b"%PDF-1.7\n% test document\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored documents go to a throw-away directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case_a(region, case_worker_a):
    """A case in township A (the walking-skeleton flow: any CaseFields process will do)."""
    return start_case(
        SkeletonFlow.start,
        user=case_worker_a,
        perform=lambda p: skeleton_services.case_open(
            process=p, village=region.village_a, summary="文书测试", actor=case_worker_a
        ),
    )

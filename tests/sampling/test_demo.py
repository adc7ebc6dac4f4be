"""seed_demo (this app's part): a draw for last month with a review in each outcome, idempotently."""

from workflows.core import demo as core_demo
from workflows.sampling import demo
from workflows.sampling.models import Recovery, SamplingDraw, SamplingReviewProcess
from workflows.sampling.services import verify_draw


def test_seed_demo_draws_and_reviews_each_outcome(db):
    """After seed_demo there is one verified draw with a confirmed review, a corrected-then-confirmed
    review and a revoked one with its recovery; running it again adds nothing."""
    region = core_demo.seed()
    demo.seed(region)
    demo.seed(region)
    draw = SamplingDraw.objects.get()
    assert verify_draw(draw)[0]
    reviews = SamplingReviewProcess.objects.filter(drawn_case__draw=draw)
    assert reviews.count() == draw.drawn_count >= 3
    assert reviews.filter(finding="confirmed", correction_rounds=0, status="DONE").exists()
    assert reviews.filter(finding="confirmed", correction_rounds=1, status="DONE").exists()
    assert reviews.filter(finding="revoked", status="DONE").exists()
    assert Recovery.objects.count() == 1

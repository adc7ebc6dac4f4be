"""seed_demo (this app's part) drives temporary assistance through every path, idempotently."""

from decimal import Decimal

from django.utils import timezone

from workflows.core import demo as core_demo
from workflows.funds.models import ReserveFund
from workflows.funds.services import fund_verify
from workflows.temporary_assistance import demo
from workflows.temporary_assistance.models import TemporaryAssistanceProcess, Tier


def test_seed_demo_covers_each_path_and_is_idempotent(db):
    """Township approval, county approval, 一事一议, assist-first pending and a refusal exist after
    seed_demo; running it twice adds nothing; every fund's balance equals its ledger."""
    region = core_demo.seed()
    demo.seed(region)
    count = TemporaryAssistanceProcess.objects.count()
    demo.seed(region)
    assert TemporaryAssistanceProcess.objects.count() == count == 7
    cases = TemporaryAssistanceProcess.objects.all()
    assert {c.tier for c in cases} == {Tier.TOWNSHIP, Tier.COUNTY, Tier.CASE_BY_CASE}
    assert any(c.paperwork_pending for c in cases)
    assert cases.filter(decision="refused").exists()
    qingshan = ReserveFund.objects.get(township__code="990101001", budget_year=timezone.localdate().year)
    assert qingshan.balance == Decimal("50000.00") - Decimal("1500.00") - Decimal("1000.00")
    for fund in ReserveFund.objects.all():
        fund_verify(fund)

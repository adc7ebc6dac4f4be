"""Appeals demo: the household whose benefit the caseload demo reduced applies for
administrative reconsideration (复议) against the change letter, received today: pending,
its 60-day deadline counted from delivery. Skipped once recorded (a second run adds nothing)."""

from __future__ import annotations

from django.utils import timezone

from workflows.caseload.demo import TOWNSHIP
from workflows.caseload.models import BenefitChange, ChangeKind

from . import services
from .models import Appeal, AppealKind

BODY = "示范县人民政府"
CLAIMS = "申请人认为配偶领取的养老金主要用于本人治病，不应全额计入家庭收入，请求撤销减发决定。"


def seed(region, stdout=None):
    township = region.townships[TOWNSHIP]
    change = (
        BenefitChange.objects.filter(benefit__township=township, kind=ChangeKind.REDUCE, letter__isnull=False)
        .select_related("letter")
        .order_by("pk")
        .first()
    )
    if change is None or Appeal.objects.filter(letter=change.letter).exists():
        return
    today = timezone.localdate()
    appeal = services.appeal_record(
        letter=change.letter, kind=AppealKind.RECONSIDERATION, body=BODY, delivered_on=today, filed_on=today,
        claims=CLAIMS, actor=region.users[f"{TOWNSHIP}_worker"],
    )  # fmt: skip
    if stdout:
        stdout.write(f"appeal {appeal.case_number}: reconsideration pending, deadline {appeal.deadline:%Y-%m-%d}")

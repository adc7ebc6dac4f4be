"""Benefits that live (issue 17 item 2): opened at every dibao / 特困 approval (MSL 21),
changed only by a decision with a lawful ground and written reasons (MSL 32), effective
from the month after the decision, and stopped by a county revocation through the same
path (SAI 66, 68)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.dibao.conftest import file_case
from tests.documents.glyphs import pdf_text_compact
from workflows.caseload import services
from workflows.caseload.models import Benefit, BenefitChange, BenefitKind, BenefitStatus, ChangeKind, Ground
from workflows.caseload.services import errors
from workflows.core.models import AuditEvent
from workflows.dibao import services as dibao_services

from .conftest import approve_through_flow, open_benefit

DEC_10 = datetime.date(2027, 3, 10)


def test_a_dibao_approval_opens_a_benefit_in_force_from_the_next_month(approved_dibao):
    """MSL 21: the approval opens the household's benefit with the approved monthly amount,
    paid from the month after the decision; its history starts with the opening, and the
    case's audit chain records it."""
    benefit = Benefit.objects.get(source_case_id=approved_dibao.pk)
    assert benefit.household_id == approved_dibao.household_id
    assert benefit.programme == "dibao" and benefit.kind == BenefitKind.MONTHLY
    assert benefit.monthly_amount == approved_dibao.monthly_amount > 0
    assert benefit.starts == dibao_services.payment_start_for(approved_dibao.decided_on)
    assert benefit.status == BenefitStatus.IN_FORCE and benefit.until is None
    assert benefit.township_id == approved_dibao.township_id and benefit.case_number == approved_dibao.case_number
    (opening,) = benefit.changes.all()
    assert (opening.kind, opening.ground, opening.new_status) == (ChangeKind.OPEN, Ground.APPROVED, "in_force")
    assert opening.effective_month == benefit.starts
    assert AuditEvent.objects.filter(chain=f"case:{approved_dibao.pk}", action="caseload.benefit_open").count() == 1


def test_opening_twice_returns_the_same_benefit(approved_dibao, approver_a2):
    """Idempotent: a second call for the same case opens nothing new."""
    again = services.benefit_open(process=approved_dibao, actor=approver_a2)
    assert Benefit.objects.filter(source_case_id=approved_dibao.pk).get() == again
    assert BenefitChange.objects.filter(benefit=again).count() == 1


def test_a_tekun_approval_opens_a_benefit_too(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch
):
    """TK 4-8 / MSL 21: a 特困 approval opens the basic-support benefit the same way."""
    process = file_case(case_worker_a, region.village_a, programme="tekun")
    process = approve_through_flow(
        process, fake_finance_check, monkeypatch, case_worker_a, case_worker_a2, approver_a, approver_a2,
        tekun_confirmed=True,
    )  # fmt: skip
    benefit = Benefit.objects.get(source_case_id=process.pk)
    assert benefit.programme == "tekun" and benefit.monthly_amount == process.monthly_amount > 0


def test_a_refused_case_opens_no_benefit(region, case_worker_a, approver_a):
    """Negative: ``benefit_open`` refuses a case without an approval, and writes nothing."""
    process = file_case(case_worker_a, region.village_a)
    with pytest.raises(ValidationError) as exc:
        services.benefit_open(process=process, actor=approver_a)
    assert exc.value.messages == [str(errors.ERR_NOT_APPROVED)]
    assert not Benefit.objects.exists()


def test_a_reduction_takes_effect_from_the_next_month_with_its_history(region, case_worker_a, approver_a):
    """MSL 32: the township approver reduces for a lawful ground with written reasons; the
    change is effective from the month after the decision, so the current month still pays
    the old amount; old and new amount are kept in the history and the audit."""
    benefit = open_benefit(case_worker_a, region.village_a)
    change = services.benefit_change(
        benefit=benefit, kind=ChangeKind.REDUCE, ground=Ground.INCOME_INCREASED, new_amount=Decimal("350.00"),
        reasons="长子务工，月收入增加 800 元。", actor=approver_a, on=DEC_10,
    )  # fmt: skip
    assert change.effective_month == datetime.date(2027, 4, 1)
    assert (change.old_amount, change.new_amount) == (Decimal("600.00"), Decimal("350.00"))
    assert change.decided_by == approver_a
    benefit.refresh_from_db()
    assert benefit.monthly_amount == Decimal("350.00") and benefit.status == BenefitStatus.IN_FORCE
    assert benefit.amount_in(datetime.date(2027, 3, 1)) == Decimal("600.00")
    assert benefit.amount_in(datetime.date(2027, 4, 1)) == Decimal("350.00")
    event = AuditEvent.objects.get(action="caseload.benefit_change")
    assert event.changes == {"monthly_amount": ["600.00", "350.00"]}
    assert event.data["ground"] == "income_increased"


@pytest.mark.parametrize(
    ("kind", "ground", "reasons", "amount", "error"),
    [
        (ChangeKind.REDUCE, Ground.INCOME_INCREASED, "  ", "300.00", errors.ERR_REASONS_REQUIRED),
        (ChangeKind.REDUCE, Ground.INCOME_DECREASED, "收入减少", "300.00", errors.ERR_GROUND_NOT_LAWFUL),
        (ChangeKind.STOP, Ground.STANDARD_CHANGED, "标准调整", None, errors.ERR_GROUND_NOT_LAWFUL),
        (ChangeKind.REDUCE, Ground.INCOME_INCREASED, "收入增加", "700.00", errors.ERR_NOT_LOWER),
        (ChangeKind.INCREASE, Ground.INCOME_DECREASED, "收入减少", "500.00", errors.ERR_NOT_HIGHER),
        (ChangeKind.REDUCE, Ground.INCOME_INCREASED, "收入增加", None, errors.ERR_AMOUNT_REQUIRED),
        (ChangeKind.RESUME, Ground.CIRCUMSTANCES_CLARIFIED, "已配合", None, errors.ERR_NOT_SUSPENDED),
    ],
)
def test_a_change_without_a_lawful_ground_or_written_reasons_is_refused(
    region, case_worker_a, approver_a, kind, ground, reasons, amount, error
):
    """MSL 32: no change without written reasons, a ground from the list that fits the kind
    of change, and an amount that fits it; a refused change writes nothing."""
    benefit = open_benefit(case_worker_a, region.village_a)
    with pytest.raises(ValidationError) as exc:
        services.benefit_change(
            benefit=benefit, kind=kind, ground=ground, reasons=reasons, actor=approver_a, on=DEC_10,
            new_amount=Decimal(amount) if amount else None,
        )  # fmt: skip
    assert exc.value.messages == [str(error)]
    assert benefit.changes.count() == 1
    benefit.refresh_from_db()
    assert benefit.monthly_amount == Decimal("600.00") and benefit.status == BenefitStatus.IN_FORCE


def test_suspend_resume_and_stop(region, case_worker_a, approver_a):
    """MSL 32: a suspension pays nothing from the next month and keeps the amount; resuming
    pays it again; a stop ends the benefit (``until`` = the last month paid) and no change
    follows a stop."""
    benefit = open_benefit(case_worker_a, region.village_a)
    services.benefit_change(benefit=benefit, kind=ChangeKind.SUSPEND, ground=Ground.REFUSED_RECHECK,
                            reasons="两次通知未配合复核。", actor=approver_a, on=DEC_10)  # fmt: skip
    services.benefit_change(benefit=benefit, kind=ChangeKind.RESUME, ground=Ground.CIRCUMSTANCES_CLARIFIED,
                            reasons="已补交材料。", actor=approver_a, on=datetime.date(2027, 5, 3))  # fmt: skip
    services.benefit_change(benefit=benefit, kind=ChangeKind.STOP, ground=Ground.NO_LONGER_ELIGIBLE,
                            reasons="复核收入超过标准。", actor=approver_a, on=datetime.date(2027, 8, 20))  # fmt: skip
    benefit.refresh_from_db()
    pays = {m: benefit.amount_in(datetime.date(2027, m, 1)) for m in range(1, 11)}
    assert pays == {1: Decimal("600.00"), 2: Decimal("600.00"), 3: Decimal("600.00"), 4: 0, 5: 0,
                    6: Decimal("600.00"), 7: Decimal("600.00"), 8: Decimal("600.00"), 9: 0, 10: 0}  # fmt: skip
    assert benefit.status == BenefitStatus.STOPPED and benefit.until == datetime.date(2027, 8, 1)
    with pytest.raises(ValidationError) as exc:
        services.benefit_change(benefit=benefit, kind=ChangeKind.RESUME, ground=Ground.CIRCUMSTANCES_CLARIFIED,
                                reasons="x", actor=approver_a, on=datetime.date(2027, 9, 1))  # fmt: skip
    assert exc.value.messages == [str(errors.ERR_STOPPED)]


def test_only_an_approver_of_the_benefits_township_decides(region, approver_b, case_worker_a, county_officer):
    """MSL 2 / domain §1: the township decides within its delegation: the approver of another
    township, a case worker and a county officer (for a township ground) are refused."""
    benefit = open_benefit(case_worker_a, region.village_a)
    for user in (approver_b, case_worker_a, county_officer):
        with pytest.raises(PermissionDenied) as exc:
            services.benefit_change(benefit=benefit, kind=ChangeKind.STOP, ground=Ground.MOVED_AWAY,
                                    reasons="迁出", actor=user, on=DEC_10)  # fmt: skip
        assert str(exc.value) == str(errors.ERR_NOT_TOWNSHIP_APPROVER)
    assert benefit.changes.count() == 1


def test_the_county_ground_and_the_system_ground_are_not_the_townships(region, case_worker_a, approver_a):
    """SAI 66, 68: revocation is the county's; N22 1(3): the end of a phase-out is applied
    by the engine. A township approver choosing either is refused."""
    benefit = open_benefit(case_worker_a, region.village_a)
    for ground, error in ((Ground.REVOKED_BY_COUNTY, errors.ERR_NOT_COUNTY),
                          (Ground.PHASE_OUT_ENDED, errors.ERR_SYSTEM_GROUND)):  # fmt: skip
        with pytest.raises(PermissionDenied) as exc:
            services.benefit_change(benefit=benefit, kind=ChangeKind.STOP, ground=ground, reasons="x",
                                    actor=approver_a, on=DEC_10)  # fmt: skip
        assert str(exc.value) == str(error)


def test_a_recognition_has_no_amount_to_change(region, case_worker_a, approver_a):
    """A recognition without cash pays nothing in any month and cannot be increased."""
    benefit = open_benefit(case_worker_a, region.village_a, amount="0.00", kind=BenefitKind.RECOGNITION)
    assert benefit.amount_in(datetime.date(2027, 6, 1)) == 0
    with pytest.raises(ValidationError) as exc:
        services.benefit_change(benefit=benefit, kind=ChangeKind.INCREASE, ground=Ground.INCOME_DECREASED,
                                reasons="x", new_amount=Decimal("10"), actor=approver_a, on=DEC_10)  # fmt: skip
    assert exc.value.messages == [str(errors.ERR_RECOGNITION_AMOUNT)]


def test_a_county_revocation_stops_the_benefit_through_the_same_path(approved_dibao, county_reviewer):
    """SAI 66, 68; MSL 32: the county's revocation (``dibao_benefit_stop``, sent by the
    sampling review) records a stop in the benefit's history with the county's ground and
    reasons, effective the month the case's payment stops; a second revocation adds nothing."""
    stop_from = datetime.date(2027, 2, 1)
    dibao_services.dibao_benefit_stop(process=approved_dibao, stop_from=stop_from, reason="隐瞒经营收入",
                                      actor=county_reviewer)  # fmt: skip
    benefit = Benefit.objects.get(source_case_id=approved_dibao.pk)
    stop = benefit.changes.get(kind=ChangeKind.STOP)
    assert (stop.ground, stop.reasons, stop.effective_month) == (Ground.REVOKED_BY_COUNTY, "隐瞒经营收入", stop_from)
    assert stop.decided_by == county_reviewer and benefit.status == BenefitStatus.STOPPED
    assert benefit.until == datetime.date(2027, 1, 1)
    assert services.benefit_stop_on_revocation(process_id=approved_dibao.pk, stop_from=stop_from, reasons="又",
                                               actor=county_reviewer) is None  # fmt: skip
    assert benefit.changes.count() == 2


def test_the_revocation_letter_states_the_countys_ground(approved_dibao, county_reviewer):
    """SAI 65, 66: the household is told of a county revocation by a change letter on its
    case, stating the ground and the appeal rights."""
    dibao_services.dibao_benefit_stop(process=approved_dibao, stop_from=datetime.date(2027, 2, 1), reason="隐瞒经营收入",
                                      actor=county_reviewer)  # fmt: skip
    stop = BenefitChange.objects.get(benefit__source_case_id=approved_dibao.pk, kind=ChangeKind.STOP)
    assert stop.letter.process_id == approved_dibao.pk and stop.letter.kind == "benefit_change"
    text = pdf_text_compact(stop.letter.file.read())
    assert "县级抽查撤销审核确认" in text and "隐瞒经营收入" in text
    assert "60日内依法申请行政复议" in text

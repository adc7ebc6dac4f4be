"""The dibao amount under the county's configured method (MSL 23: the gap or bands), the
特困 support factor from configuration, and the 45-day extension being dibao-only
(MSL 22 versus TK 13, 15, 16)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests import factories
from workflows.core.models import AuditEvent, DibaoAmountBand, DibaoAmountRule, TekunSupportRule
from workflows.core.models.rules import AmountMethod, Area
from workflows.dibao import services
from workflows.dibao.forms import AcceptForm
from workflows.dibao.models import DibaoProcess

from .conftest import accept, do, file_case, home_visit, member, propose, task_of

D = datetime.date
# rural standard 4,800 a year = 400.00 a month (configure_rules); the default household has 2 members
BANDS = [("0", "100", "150"), ("100", "250", "300"), ("250", None, "400")]


def bands_rule(county, since, bands=BANDS, area=Area.RURAL):
    rule = DibaoAmountRule.objects.create(county=county, area=area, effective_from=since, method=AmountMethod.BANDS)
    for over, up_to, amount in bands:
        DibaoAmountBand.objects.create(
            rule=rule,
            gap_over=Decimal(over),
            gap_up_to=Decimal(up_to) if up_to is not None else None,
            amount_per_person=Decimal(amount),
        )
    return rule


def proposed(region, worker, worker2, fake_finance_check, *, per_capita_income, on=None, approve=True, **kw):
    process = file_case(worker, region.village_a, **kw)
    if on is None:
        process = accept(process, worker)
    else:
        process = do(process, "accept", worker, services.dibao_accept, missing=[], delegated=True, on=on)
    process = fake_finance_check.finish(process, per_capita_income=per_capita_income)
    return propose(home_visit(process, worker, worker, worker2), worker, approve=approve)


@pytest.mark.parametrize(
    ("per_capita_income", "gap", "band", "amount"),
    [
        ("150.00", "250.00", {"gap_over": "100.00", "gap_up_to": "250.00", "amount_per_person": "300.00"}, "600.00"),
        ("149.99", "250.01", {"gap_over": "250.00", "gap_up_to": None, "amount_per_person": "400.00"}, "800.00"),
        ("300.00", "100.00", {"gap_over": "0.00", "gap_up_to": "100.00", "amount_per_person": "150.00"}, "300.00"),
    ],
)
def test_banded_amount_is_proposed_with_the_band_and_version_recorded(
    region, case_worker_a, case_worker_a2, fake_finance_check, per_capita_income, gap, band, amount
):
    """MSL 23 (分档): where the county configures bands, the amount is the band's amount per
    person x household size; the band edge (gap exactly 250.00 / 100.00) belongs to the lower
    band. The computation keeps the gap-method keys and adds the band and the rule version."""
    rule = bands_rule(region.county, D(2026, 1, 1))
    process = proposed(region, case_worker_a, case_worker_a2, fake_finance_check, per_capita_income=per_capita_income)
    c = process.amount_computation
    assert process.proposed_amount == Decimal(amount)
    assert c["method"] == "bands" and c["amount_rule_id"] == rule.pk
    assert c["band"] == band
    assert (c["gap_per_capita"], c["household_size"], c["monthly_amount"]) == (gap, 2, amount)
    assert c["standard"] == "400.00" and c["standard_id"] == process.standard_id
    assert c["formula"].endswith(f"→ {band['amount_per_person']} × 2 = {amount}")
    event = AuditEvent.objects.filter(chain=f"case:{process.pk}", action="dibao.propose").get()
    assert event.data["computation"]["band"] == band


def test_approver_sees_the_band_used(region, case_worker_a, case_worker_a2, fake_finance_check, client_for):
    """MSL 23: the page of the signing staff shows the formula and the band applied."""
    bands_rule(region.county, D(2026, 1, 1))
    process = proposed(
        region, case_worker_a, case_worker_a2, fake_finance_check, per_capita_income="150.00", approve=False
    )
    client = client_for(case_worker_a)
    task = task_of(process, "sign_handler")
    client.post(f"/staff/cases/dibao/{process.pk}/sign_handler/{task.pk}/assign/")
    page = client.get(f"/staff/cases/dibao/{process.pk}/sign_handler/{task.pk}/execute/").content.decode()
    assert process.amount_computation["formula"] in page
    assert "适用档次：人均差额 100.00 元以上至 250.00 元（含），每人每月 300.00 元" in page


def test_an_old_case_keeps_its_band_version(region, case_worker_a, case_worker_a2, fake_finance_check):
    """MSL 23 / domain.md §3: the amount uses the version in force on the acceptance date, so
    a case accepted before a new band version keeps the old bands even when proposed later."""
    old = bands_rule(region.county, D(2026, 1, 1))
    new = bands_rule(region.county, D(2026, 10, 1), [("0", "100", "200"), ("100", "250", "350"), ("250", None, "450")])
    before = proposed(
        region, case_worker_a, case_worker_a2, fake_finance_check, per_capita_income="150.00", on=D(2026, 9, 29)
    )
    after = proposed(
        region, case_worker_a, case_worker_a2, fake_finance_check, per_capita_income="150.00", on=D(2026, 10, 12),
        members=[member(seq=111), member("李四", relation="spouse", birth=D(1972, 5, 2), seq=212)],
    )  # fmt: skip
    assert (before.amount_computation["amount_rule_id"], before.proposed_amount) == (old.pk, Decimal("600.00"))
    assert (after.amount_computation["amount_rule_id"], after.proposed_amount) == (new.pk, Decimal("700.00"))


def test_gap_method_stays_the_default(region, case_worker_a, case_worker_a2, fake_finance_check):
    """MSL 23: under the seeded gap method the amount is (standard - per-capita income) x size,
    with the rule version recorded."""
    process = proposed(region, case_worker_a, case_worker_a2, fake_finance_check, per_capita_income="100.00")
    rule = DibaoAmountRule.objects.in_force(county=region.county, on=process.accepted_on, area=Area.RURAL)
    assert rule.method == AmountMethod.GAP
    assert process.amount_computation["formula"] == "(400.00 − 100.00) × 2 = 600.00"
    assert process.amount_computation["amount_rule_id"] == rule.pk and "band" not in process.amount_computation


def test_bands_of_another_county_or_area_do_not_apply(region, case_worker_a, case_worker_a2, fake_finance_check):
    """Negative: bands configured for another county, or for the urban area, leave a rural
    case of this county on its own (gap) method."""
    other = factories.CountyFactory(code="990102", name="邻县")
    bands_rule(other, D(2026, 1, 1))
    bands_rule(region.county, D(2026, 1, 1), area=Area.URBAN)
    process = proposed(region, case_worker_a, case_worker_a2, fake_finance_check, per_capita_income="150.00")
    assert process.amount_computation["method"] == "gap"
    assert process.proposed_amount == Decimal("500.00")  # (400 - 150) x 2


def test_a_broken_band_table_refuses_the_proposal(region, case_worker_a, case_worker_a2, fake_finance_check):
    """Negative: bands in force that no longer form a valid table (e.g. written around the
    admin) refuse the opinion with the validation message; nothing is proposed."""
    bands_rule(region.county, D(2026, 1, 1), [("0", "100", "150"), ("120", None, "300")])
    process = file_case(case_worker_a, region.village_a)
    process = fake_finance_check.finish(accept(process, case_worker_a), per_capita_income="150.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    with pytest.raises(ValidationError) as exc:
        services.dibao_propose(process=process, approve=True, note="符合", actor=case_worker_a)
    assert any("空档" in m for m in exc.value.messages)
    assert DibaoProcess.objects.get(pk=process.pk).proposed_amount is None


# --- 特困 support factor -----------------------------------------------------------------
def tekun_proposed(region, worker, worker2, fake_finance_check):
    process = file_case(worker, region.village_a, programme="tekun")
    process = fake_finance_check.finish(accept(process, worker), per_capita_income="0.00")
    process = home_visit(process, worker, worker, worker2, tekun_confirmed=True)
    return process


def test_tekun_factor_comes_from_the_county_configuration(region, case_worker_a, case_worker_a2, fake_finance_check):
    """特困 basic support = county factor x dibao standard per person: a later county version
    (1.50) replaces the seeded 1.30, and the version used is recorded."""
    rule = TekunSupportRule.objects.create(
        county=region.county, effective_from=D(2026, 1, 1), standard_factor=Decimal("1.50")
    )
    process = tekun_proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    process = propose(process, case_worker_a)
    c = process.amount_computation
    assert process.proposed_amount == Decimal("600.00")  # 400 x 1.5 x 1
    assert (c["method"], c["factor"], c["factor_rule_id"]) == ("tekun_basic", "1.50", rule.pk)
    assert c["formula"] == "400.00 × 1.50 × 1 = 600.00"


def test_tekun_without_a_configured_factor_is_refused_with_a_clear_message(
    region, case_worker_a, case_worker_a2, fake_finance_check
):
    """Negative: with no 特困 support rule in force the opinion is refused with a message
    naming the county and the rule (no silent default); nothing is proposed."""
    process = tekun_proposed(region, case_worker_a, case_worker_a2, fake_finance_check)
    TekunSupportRule.objects.filter(county=region.county).delete()
    with pytest.raises(ValidationError) as exc:
        services.dibao_propose(process=process, approve=True, note="符合", actor=case_worker_a)
    assert region.county.name in exc.value.messages[0] and "特困供养标准" in exc.value.messages[0]
    assert DibaoProcess.objects.get(pk=process.pk).proposed_amount is None


# --- the 45-day extension is dibao-only (MSL 22; TK 13, 15, 16) ---------------------------
def test_extension_is_refused_for_tekun(region, case_worker_a, fake_finance_check):
    """TK 13/15/16: a 特困 case runs on its stage deadlines; the dibao 45-day extension (MSL 22)
    is refused with a clear message and the stage deadline stays; nothing is audited."""
    process = accept(file_case(case_worker_a, region.village_a, programme="tekun"), case_worker_a)
    due_on = process.due_on
    with pytest.raises(ValidationError) as exc:
        services.dibao_extend(process=process, reason="household_split", actor=case_worker_a)
    assert exc.value.messages == [str(services.ERR_EXTENSION_TEKUN)]
    process = DibaoProcess.objects.get(pk=process.pk)
    assert (process.due_on, process.extension_reason, process.extended_due_on) == (due_on, "", None)
    assert not AuditEvent.objects.filter(chain=f"case:{process.pk}", action="dibao.extend").exists()


def test_tekun_acceptance_with_an_extension_reason_is_refused(region, case_worker_a):
    """TK 13: the extension cannot slip in at acceptance either; the case stays unaccepted."""
    process = file_case(case_worker_a, region.village_a, programme="tekun")
    with pytest.raises(ValidationError) as exc:
        services.dibao_accept(
            process=process, missing=[], delegated=True, extension_reason="hard_investigation", actor=case_worker_a
        )
    assert str(services.ERR_EXTENSION_TEKUN) in exc.value.messages
    assert DibaoProcess.objects.get(pk=process.pk).accepted_on is None


def test_dibao_extension_still_works(region, case_worker_a, fake_finance_check):
    """MSL 22: the dibao case may still be extended to 45 working days for an enumerated reason."""
    process = accept(file_case(case_worker_a, region.village_a), case_worker_a)
    process = services.dibao_extend(process=process, reason="cross_area", actor=case_worker_a)
    assert process.extension_reason == "cross_area" and process.extended_due_on > process.due_on


# --- the acceptance form speaks of each programme's own deadlines --------------------------
def test_accept_form_wording_per_programme():
    """MSL 22 vs TK 13/16: the dibao form offers 20/30 days and the 45-day extension; the 特困
    form names its stage deadlines and offers no extension."""
    dibao = AcceptForm(programme="dibao")
    assert "20 个工作日" in str(dibao.fields["delegated"].label)
    assert "30 个工作日" in str(dibao.fields["delegated"].help_text)
    assert "extension_reason" in dibao.fields
    tekun = AcceptForm(programme="tekun")
    assert "20 个工作日" not in str(tekun.fields["delegated"].label)
    assert "TK 13" in str(tekun.fields["delegated"].help_text) and "TK 16" in str(tekun.fields["delegated"].help_text)
    assert "extension_reason" not in tekun.fields
    form = AcceptForm({"delegated": "on", "extension_reason": "cross_area"}, programme="tekun")
    assert form.is_valid() and form.cleaned_data["extension_reason"] == ""


def test_tekun_accept_page_shows_tekun_deadlines(region, case_worker_a, case_worker_b, client_for):
    """The 特困 acceptance page shows the TK deadlines and no extension field; a case worker
    of another township cannot open it (404)."""
    process = file_case(case_worker_a, region.village_a, programme="tekun")
    task = task_of(process, "accept")
    client = client_for(case_worker_a)
    client.post(f"/staff/cases/tekun/{process.pk}/accept/{task.pk}/assign/")
    page = client.get(f"/staff/cases/tekun/{process.pk}/accept/{task.pk}/execute/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "TK 13" in html and 'name="extension_reason"' not in html and "20 个工作日" not in html
    other = client_for(case_worker_b).get(f"/staff/cases/tekun/{process.pk}/accept/{task.pk}/execute/")
    assert other.status_code == 404

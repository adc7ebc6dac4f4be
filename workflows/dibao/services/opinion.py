"""The township's preliminary opinion and the monthly amount (MSL 23; TK 4-8)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.audit import diff
from workflows.core.models import (
    AssetLimit,
    DibaoAmountRule,
    DibaoStandard,
    TekunSupportRule,
)
from workflows.core.models.rules import AmountMethod, RuleNotConfigured
from workflows.core.money import round_to_fen
from workflows.core.types import Staff

# Test seams are looked up through the package, so that patching
# ``workflows.dibao.services.<name>`` reaches every caller.
from workflows.dibao import services
from workflows.finance_check import means_test

from ..models import DibaoProcess
from .common import _audit
from .errors import ERR_NO_AMOUNT, ERR_NOT_ELIGIBLE, ERR_RECHECK_PENDING, ERR_TEKUN_NOT_CONFIRMED


# ==============================================================================
# Preliminary opinion and amount (MSL 23; TK 4-8)
# ==============================================================================
def _bands_of(rule: DibaoAmountRule) -> tuple[means_test.Band, ...]:
    return tuple(
        means_test.Band(gap_over=b.gap_over, gap_up_to=b.gap_up_to, amount_per_person=b.amount_per_person)
        for b in rule.bands.all()
    )


_Rule = TypeVar("_Rule", DibaoStandard, TekunSupportRule, DibaoAmountRule)


def _recorded_version(model: type[_Rule], pk: int | None) -> _Rule | None:
    return model.objects.filter(pk=pk).first() if pk else None


def _deductions_of(result: dict, size: int, per_capita: Decimal) -> dict:
    """The essential spending deducted by the means test (MSL 13), each named, and the
    per-capita income formula they enter: stored with the proposal."""
    lines = result.get("deduction_lines") or []
    if not lines:
        return {}
    deductions = [
        {"kind": d["kind"], "label": d["kind_label"], "members": list(d["members"]), "claimed": d["claimed"],
         "deducted": d["deducted"], "cap": d.get("cap"), "rule": d.get("rule", "")}
        for d in lines
    ]  # fmt: skip
    terms = " − ".join(
        f"{round_to_fen(d['deducted'])} {d['label']}" + (f"（{'、'.join(d['members'])}）" if d["members"] else "")
        for d in deductions
    )
    counted = round_to_fen(result.get("counted_income") or "0")
    return {"deductions": deductions, "income_formula": f"({counted} − {terms}) ÷ {size} = {per_capita}"}


MSG_SINGLE_PERSON_COMPUTATION = _(
    "单人户：%(member)s 按%(rule)s（收入倍数 %(multiple)s）单独纳入低保，按 1 人计算；"
    "全家 %(size)s 人月人均收入 %(per_capita)s 元，不超过 %(limit)s 元。"
)


def _single_person_of(result: dict) -> dict:
    """Which rule enrolled a member alone (单人户, domain.md §8), stored with the proposal:
    empty unless the means test applied the single-person rule."""
    single = result.get("single_person") or {}
    if not single.get("applied"):
        return {}
    note = str(MSG_SINGLE_PERSON_COMPUTATION) % {
        "member": single["member_name"], "rule": single["rule"], "multiple": single["multiple"],
        "size": single["household_size"], "per_capita": single["household_per_capita"], "limit": single["limit"],
    }  # fmt: skip
    return {"single_person": dict(single), "single_person_note": note}


MSG_RECOGNITION_COMPUTATION = _("%(category)s：仅认定身份，不发放保障金（LB24）。")


def _recognition_computation(
    process: DibaoProcess, *, std: Decimal, standard_id: int, size: int, per_capita: Decimal
) -> dict:
    """A recognition (低收入家庭认定, LB24) computes no amount: it records the category the
    means test found and the figures behind it, for the approver and the letter."""
    found = process.finance_result.get("low_income") or {}
    label = found.get("category_label") or ""
    return {"method": "none", "standard": std, "standard_id": standard_id, "per_capita_income": per_capita,
            "household_size": size, "category": found.get("category") or "", "category_label": label,
            "monthly_amount": Decimal("0.00"), **_deductions_of(process.finance_result, size, per_capita),
            "formula": str(MSG_RECOGNITION_COMPUTATION % {"category": label or "-"})}  # fmt: skip


def amount_compute(process: DibaoProcess, on: datetime.date | None = None) -> dict:
    """The monthly amount and its computation, shown to the approver (MSL 23).

    Every rule is the version in force on ``on`` (default: the acceptance date), and its
    id is recorded, so an old case keeps the figures it was computed with.

    dibao, gap method (also when the county configured no method): (standard -
    per-capita income) x household size, never negative.
    dibao, bands (分档): the band holding the per-capita gap; its amount per person x
    household size.
    tekun: the basic support standard (county factor x dibao standard) x household size.
    """
    on = on or process.accepted_on or services._today()
    household = process.household
    assert household is not None  # a case is filed with its household (dibao_application_file)
    # A case already proposed keeps the versions of its first computation: a correction
    # version entered since (core.rule_versions) never changes its figures.
    recorded = process.amount_computation or {}
    standard = _recorded_version(DibaoStandard, recorded.get("standard_id")) or DibaoStandard.objects.in_force(
        county=process.county, on=on, area=household.area
    )
    size = int(process.finance_result.get("household_size") or household.size)
    per_capita = round_to_fen(process.finance_result.get("per_capita_income") or "0")
    std = standard.monthly_amount
    if process.spec.benefit.amount_method == programmes.AmountMethod.NONE:
        return _recognition_computation(process, std=std, standard_id=standard.pk, size=size, per_capita=per_capita)
    if process.spec.benefit.amount_method == programmes.AmountMethod.SUPPORT_FACTOR:
        factor_rule = _recorded_version(TekunSupportRule, recorded.get("factor_rule_id")) or (
            TekunSupportRule.objects.in_force(county=process.county, on=on)
        )
        factor = factor_rule.standard_factor
        per_person = round_to_fen(std * factor)
        amount = round_to_fen(per_person * size)
        formula = f"{std} × {factor} × {size} = {amount}"
        return {"method": "tekun_basic", "standard": std, "standard_id": standard.pk, "factor": factor,
                "factor_rule_id": factor_rule.pk, "per_person": per_person, "household_size": size,
                "monthly_amount": amount, "formula": formula}  # fmt: skip
    gap = max(std - per_capita, Decimal("0"))
    rule = _recorded_version(DibaoAmountRule, recorded.get("amount_rule_id"))
    if rule is None:
        try:
            rule = DibaoAmountRule.objects.in_force(county=process.county, on=on, area=household.area)
        except RuleNotConfigured:
            rule = None
    common = {"standard": std, "standard_id": standard.pk, "amount_rule_id": rule.pk if rule else None,
              "per_capita_income": per_capita, "gap_per_capita": round_to_fen(gap), "household_size": size,
              **_deductions_of(process.finance_result, size, per_capita),
              **_single_person_of(process.finance_result)}  # fmt: skip
    bands_rule = rule if rule is not None and rule.method == AmountMethod.BANDS else None
    banded = bands_rule is not None
    if bands_rule is not None:
        bands_rule.validate_bands()
    band, amount = means_test.monthly_amount(
        gap_per_capita=gap, household_size=size, bands=_bands_of(bands_rule) if bands_rule is not None else ()
    )
    if banded:
        if band is None:
            formula = f"{std} − {per_capita} ≤ 0 → 0.00"
            return {**common, "method": "bands", "band": None, "per_person": Decimal("0.00"),
                    "monthly_amount": amount, "formula": formula}  # fmt: skip
        per_person = round_to_fen(band.amount_per_person)
        formula = f"{std} − {per_capita} = {round_to_fen(gap)} ∈ {band.interval} → {per_person} × {size} = {amount}"
        band_data = {"gap_over": round_to_fen(band.gap_over), "amount_per_person": per_person,
                     "gap_up_to": round_to_fen(band.gap_up_to) if band.gap_up_to is not None else None}  # fmt: skip
        return {**common, "method": "bands", "band": band_data, "per_person": per_person,
                "monthly_amount": amount, "formula": formula}  # fmt: skip
    formula = f"({std} − {per_capita}) × {size} = {amount}"
    return {**common, "method": "gap", "monthly_amount": amount, "formula": formula}


@transaction.atomic
def dibao_propose(*, process: DibaoProcess, approve: bool, note: str, actor: Staff) -> DibaoProcess:
    """The township's preliminary opinion with the computed amount (MSL 19, 23)."""
    from workflows.core.audit import to_jsonable

    if process.recheck_pending:
        raise ValidationError(ERR_RECHECK_PENDING)
    try:
        computation = amount_compute(process)
    except RuleNotConfigured as exc:
        raise ValidationError(str(exc)) from exc
    amount = computation["monthly_amount"]
    if approve:
        if process.finance_outcome == "not_eligible":
            raise ValidationError(ERR_NOT_ELIGIBLE)
        intake = process.spec.intake
        if intake.confirmed_by_home_visit and not (process.meets_intake_criteria() and process.tekun_confirmed):
            raise ValidationError(ERR_TEKUN_NOT_CONFIRMED)
        if process.spec.benefit.pays_monthly and amount <= 0:
            raise ValidationError(ERR_NO_AMOUNT)
    old = {"proposes_approval": process.proposes_approval, "proposed_amount": process.proposed_amount}
    process.proposes_approval = approve
    # a recognition (no cash) proposes no amount, and its notice shows none
    process.proposed_amount = amount if approve and process.spec.benefit.pays_cash else None
    process.amount_computation = to_jsonable(computation)
    process.standard_id = computation["standard_id"]
    try:
        process.asset_limit = AssetLimit.objects.in_force(
            county=process.county, on=process.accepted_on or services._today()
        )
    except RuleNotConfigured:
        process.asset_limit = None
    process.proposal_note = note
    process.proposed_by = actor
    process.objection_route = ""
    process.save()
    _audit(
        process,
        "dibao.propose",
        actor,
        changes=diff(old, {"proposes_approval": approve, "proposed_amount": process.proposed_amount}),
        data={"computation": computation},
    )
    return process

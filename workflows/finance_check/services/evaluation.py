"""Evaluating a finished check: the means-test input from the evidence, and the result."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.audit import audit_record
from workflows.core.models import AssetLimit, County, DibaoStandard
from workflows.core.models.rules import LowIncomeRule, RigidExpenseRule, RuleNotConfigured, SinglePersonHouseholdRule
from workflows.households.models import (
    DeclaredAsset,
    HouseholdMember,
    RigidExpense,
)

from .. import means_test as mt
from ..adapters import RegistryResult
from ..models import EvidenceStatus, FinanceCheckProcess, RegistryEvidence
from ..sources import ALL_SOURCES, Source
from .config import means_test_policy

# --- evaluation -------------------------------------------------------------------


def _rules_label(limit: AssetLimit) -> str:
    return str(
        _("%(county)s家庭财产限额（%(date)s 起执行）")
        % {"county": limit.county, "date": limit.effective_from.isoformat()}
    )


def expense_rules(county: County, on: datetime.date) -> mt.ExpenseRules | None:
    """The county's essential-spending rule in force on ``on`` (MSL 13); None (the
    national default) where the county configured none."""
    try:
        rule = RigidExpenseRule.objects.in_force(county=county, on=on)
    except RuleNotConfigured:
        return None
    return mt.ExpenseRules(deductible=rule.deductible_kinds(), caps=rule.monthly_caps(), label=rule.label)


def single_person_rule(county: County, on: datetime.date) -> mt.SinglePersonRule | None:
    """The county's single-person-household rule in force on ``on`` (domain.md §8); None
    (the rule off) where the county configured none."""
    try:
        rule = SinglePersonHouseholdRule.objects.in_force(county=county, on=on)
    except RuleNotConfigured:
        return None
    return mt.SinglePersonRule(enabled=rule.enabled, income_multiple=rule.income_multiple, label=rule.label)


def low_income_criteria(county: County, on: datetime.date) -> mt.LowIncomeCriteria:
    """The county's low-income rule in force on ``on`` (LB24; domain.md §8); without one the
    national default multiple (1.5) with the county's dibao asset limits and no
    spending-hardship line."""
    try:
        rule = LowIncomeRule.objects.in_force(county=county, on=on)
    except RuleNotConfigured:
        return mt.LowIncomeCriteria()
    assets = mt.AssetRules(
        financial_assets_per_capita=rule.financial_assets_per_capita, vehicles_allowed=rule.vehicles_allowed,
        vehicle_value_limit=rule.vehicle_value_limit, max_housing_units=rule.max_housing_units,
        business_entities_allowed=rule.business_entities_allowed, label=rule.label,
    )  # fmt: skip
    return mt.LowIncomeCriteria(
        income_multiple=rule.income_multiple, asset_rules=assets,
        spending_hardship_income_line=rule.spending_hardship_income_line, label=rule.label,
    )  # fmt: skip


def means_test_input(check: FinanceCheckProcess, on: datetime.date | None = None) -> mt.MeansTestInput:
    """Gather the household's declarations, the evidence and the rules into the pure input."""
    household_id = check.household_id
    on = on or check.check_date
    members = list(HouseholdMember.objects.filter(household_id=household_id).order_by("pk").prefetch_related("incomes"))
    ref_of = {m.id_number: str(m.pk) for m in members}
    mt_members = tuple(
        mt.Member(
            ref=str(m.pk),
            name=m.name,
            age=m.age(on),
            is_disabled=m.is_disabled,
            has_serious_illness=m.has_serious_illness,
        )
        for m in members
    )
    declared_incomes = tuple(
        mt.DeclaredIncome(str(i.member_id), i.kind, i.monthly_amount, i.job_costs)
        for m in members
        for i in m.incomes.all()
    )
    declared_assets = tuple(
        mt.Asset(kind=a.kind, value=a.value, description=a.description or a.get_kind_display())
        for a in DeclaredAsset.objects.filter(household_id=household_id).order_by("pk")
    )
    name_of: dict[int | None, str] = {m.pk: m.name for m in members}
    expenses = tuple(
        mt.Expense(e.kind, e.monthly_amount, name_of.get(e.member_id, ""))
        for e in RigidExpense.objects.filter(household_id=household_id).order_by("pk")
    )

    found_incomes, found_assets, persons, manual = [], [], [], []
    evidence = list(RegistryEvidence.objects.filter(check_process_id=check.pk).select_related("entered_by"))
    ok_sources = set()
    failed, documented = set(), set()
    for ev in evidence:
        if ev.status == EvidenceStatus.UNAVAILABLE:
            failed.add(ev.source)
            continue
        if ev.status == EvidenceStatus.MANUAL:
            documented.add(ev.source)
        result = RegistryResult.from_json(ev.normalised)
        is_manual = ev.status == EvidenceStatus.MANUAL
        if is_manual:
            manual.append(
                mt.ManualSource(
                    source=ev.source,
                    source_label=str(Source(ev.source).label),
                    entered_by=(ev.entered_by.get_full_name() or ev.entered_by.username) if ev.entered_by else "",
                    note=ev.note,
                )
            )
        else:
            ok_sources.add(ev.source)
        for r in result.incomes:
            ref = ref_of.get(r.id_number) if r.id_number else mt.HOUSEHOLD
            if r.id_number and ref is None:
                continue  # a record about someone outside the household
            found_incomes.append(mt.FoundIncome(ref, r.kind, r.monthly_amount, ev.source, r.detail))
        for a in result.assets:
            ref = ref_of.get(a.id_number) if a.id_number else mt.HOUSEHOLD
            if a.id_number and ref is None:
                continue
            found_assets.append(
                mt.Asset(
                    kind=a.kind,
                    value=a.value,
                    source=ev.source,
                    description=a.description,
                    member_ref=ref,
                    count=a.count,
                    disability_vehicle=a.disability_vehicle,
                )
            )
        if ev.source == Source.HOUSEHOLD_REGISTRATION:
            seen = set()
            for p in result.persons:
                ref = ref_of.get(p.id_number) if p.id_number else ""
                if ref is None:
                    continue
                seen.add(ref)
                if p.status != "normal":
                    persons.append(mt.PersonStatus(ref or "", p.status, p.status_label, ev.source))
            if not is_manual:
                for m in members:
                    if str(m.pk) not in seen:
                        persons.append(mt.PersonStatus(str(m.pk), "not_found", "查无此人", ev.source))

    standard = DibaoStandard.objects.select_related("county").get(pk=check.standard_id)
    limit = AssetLimit.objects.select_related("county").get(pk=check.asset_limit_id)
    return mt.MeansTestInput(
        expense_rules=expense_rules(standard.county, on),
        members=mt_members,
        standard=mt.Standard(amount=standard.amount, period=standard.period, label=str(standard)),
        asset_rules=mt.AssetRules(
            financial_assets_per_capita=limit.financial_assets_per_capita,
            vehicles_allowed=limit.vehicles_allowed,
            vehicle_value_limit=limit.vehicle_value_limit,
            max_housing_units=limit.max_housing_units,
            business_entities_allowed=limit.business_entities_allowed,
            label=_rules_label(limit),
        ),
        purpose=check.purpose,
        spending_shock=check.spending_shock,
        declared_incomes=declared_incomes,
        found_incomes=tuple(found_incomes),
        declared_assets=declared_assets,
        found_assets=tuple(found_assets),
        expenses=expenses,
        persons=tuple(persons),
        # == unavailable_sources(check), from the evidence read above
        unavailable_sources=tuple(str(Source(s).label) for s in check.sources if s in failed and s not in documented),
        manual_sources=tuple(manual),
        source_labels={s: str(Source(s).label) for s in ALL_SOURCES},
        policy=means_test_policy(),
        single_person_ref=str(check.single_person_member_id) if check.single_person_member_id else None,
        single_person_rule=single_person_rule(standard.county, on) if check.single_person_member_id else None,
        low_income=low_income_criteria(standard.county, on)
        if programmes.spec(check.purpose).intake.eligibility == programmes.Eligibility.LOW_INCOME_CATEGORIES
        else None,
    )


@transaction.atomic(savepoint=False)
def check_evaluate(*, process: FinanceCheckProcess) -> mt.MeansTestResult:
    """Run the means test and store its result (called by the flow's ``evaluate`` node)."""
    result = mt.evaluate(means_test_input(process))
    process.result = result.to_json()
    process.outcome = result.outcome
    process.evaluated_at = timezone.now()
    # A plain UPDATE: none of these columns is in the case index, so the
    # post_save re-index (4 round trips) would change nothing.
    FinanceCheckProcess.objects.filter(pk=process.pk).update(
        result=process.result, outcome=process.outcome, evaluated_at=process.evaluated_at
    )
    audit_record(
        action="finance_check.evaluated",
        target=process,
        process_id=process.pk,
        changes={"outcome": [None, result.outcome]},
        data={
            "per_capita_income": result.per_capita_income,
            "standard": result.standard,
            "gap_per_capita": result.gap_per_capita,
            "monthly_amount": result.monthly_amount,
            "reasons": [r.code for r in result.reasons if r.severity != mt.Severity.INFO],
        },
    )
    return result

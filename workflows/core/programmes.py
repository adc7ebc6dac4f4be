"""The one home of "programme": the ``Programme`` choice and the registry of programme specs.

A programme (最低生活保障, 特困人员救助供养, 临时救助, …) is declared here once, as a
``ProgrammeSpec``: its label, case-number prefix, flow, legal basis, intake criteria,
deadline policy, benefit policy, letter templates and re-check policy. Services, forms,
templates, sampling and the finance check ask the spec (``spec(code)``, ``for_flow``,
``for_process``) instead of branching on a programme code; ``tests/core/test_programmes.py``
fails on a literal programme branch anywhere else in the product code.

core imports no app (import-linter), so the spec names the flow by dotted path and resolves
it on first use (``ProgrammeSpec.flow_class``); docs/architecture.md "How to add a
programme" explains why that is preferred over registration from ``AppConfig.ready``.
The stored values ("dibao", "tekun", "temporary_assistance") are the database values of
every ``programme`` / ``purpose`` column, so they never change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .types import StrOrPromise

if TYPE_CHECKING:
    from viewflow.workflow.base import Flow


class Programme(models.TextChoices):
    DIBAO = "dibao", _("最低生活保障")
    TEKUN = "tekun", _("特困人员救助供养")
    TEMPORARY_ASSISTANCE = "temporary_assistance", _("临时救助")
    LOW_INCOME = "low_income", _("低收入家庭认定")


class BenefitKind(models.TextChoices):
    MONTHLY = "monthly", _("按月发放")
    ONE_OFF = "one_off", _("一次性发放")
    RECOGNITION = "recognition", _("仅认定身份，无现金")


class AmountMethod(models.TextChoices):
    """How the amount of an approval is computed (the services implement each method once)."""

    STANDARD_GAP = "standard_gap", _("按保障标准差额（或分档）计算")  # MSL 12, 13
    SUPPORT_FACTOR = "support_factor", _("按基本生活标准（低保标准的倍数）计算")  # TK 19
    ASSESSED = "assessed", _("按事由和规则核定")  # TA: cause, rule caps
    NONE = "none", _("不发放现金")


class Eligibility(models.TextChoices):
    """Which means test decides a case (``finance_check.means_test`` implements each once)."""

    BELOW_STANDARD = "below_standard", _("人均收入低于低保标准（SAI 9）")
    # LB24: 低保边缘家庭 (above the standard, at most a multiple of it) or 刚性支出困难家庭
    LOW_INCOME_CATEGORIES = "low_income_categories", _("低保边缘家庭或刚性支出困难家庭（LB24）")


@dataclass(frozen=True)
class IntakeCriteria:
    """What an applicant must claim at intake and what the home visit must confirm.

    ``claims`` are the names of boolean claims that must all hold (TK 4-8 for 特困:
    no work ability, no income, no supporter); an empty tuple asks for none.
    ``finance_check`` says whether the household-finance check runs (MSL 9, 17);
    ``spending_shock`` whether education and medical costs count as a spending shock in it (TA18).
    """

    claims: tuple[str, ...] = ()
    confirmed_by_home_visit: bool = False
    finance_check: bool = True
    spending_shock: bool = False
    #: the means test the household-finance check applies (``Eligibility``)
    eligibility: str = Eligibility.BELOW_STANDARD
    # 单人户 (domain.md §8; ZB20): a severely disabled or seriously ill member of a low-income
    # household may apply to be enrolled alone (county rule ``SinglePersonHouseholdRule``)
    single_person_household: bool = False

    def met(self, **claimed: object) -> bool:
        """True if every required claim is made (the one statement of the rule)."""
        return all(bool(claimed.get(name)) for name in self.claims)

    @property
    def has_claims(self) -> bool:
        return bool(self.claims)


@dataclass(frozen=True)
class DeadlinePolicy:
    """Working days the law allows (workflows/core/working_days.py counts them).

    ``staged`` False: one decision deadline from acceptance (MSL 22: 20 working days when
    delegated to the township, 30 when not), extendable to ``extended_days`` for a lawful
    reason. ``staged`` True: a deadline per stage (TK 13, 15, 16): the preliminary opinion
    ``opinion_days`` after acceptance, a new opinion ``reopinion_days`` after an objected
    notice ends, the decision ``decision_after_notice_days`` after the notice ends; not
    extendable.
    """

    staged: bool = False
    decision_days_delegated: int | None = None
    decision_days_not_delegated: int | None = None
    extended_days: int | None = None
    opinion_days: int | None = None
    reopinion_days: int | None = None
    decision_after_notice_days: int | None = None
    notice_days: int | None = 7  # MSL 19, TK 15

    @property
    def extendable(self) -> bool:
        return self.extended_days is not None


@dataclass(frozen=True)
class BenefitPolicy:
    kind: str = BenefitKind.MONTHLY
    amount_method: str = AmountMethod.STANDARD_GAP
    starts_next_month: bool = True  # MSL 21: paid from the month after the decision

    @property
    def pays_monthly(self) -> bool:
        return self.kind == BenefitKind.MONTHLY

    @property
    def pays_cash(self) -> bool:
        return self.kind != BenefitKind.RECOGNITION


@dataclass(frozen=True)
class RecheckPolicy:
    """Defaults of the periodic re-check (MSL 31); a county's rule version overrides them.

    ``None`` months: the programme has no periodic re-check (a one-off payment)."""

    stable_months: int | None = None
    unstable_months: int | None = None
    after_death_months: int | None = None
    phase_out_months: int | None = None  # N22 1(3): income lifted by employment

    @property
    def periodic(self) -> bool:
        return self.stable_months is not None

    @property
    def by_stability(self) -> bool:
        """Whether the cadence depends on the household (MSL 31 for 低保: yearly when stable,
        half-yearly otherwise). A programme re-checked at one cadence (特困, 低收入家庭: yearly)
        takes the county's stable cadence for every household."""
        return self.unstable_months != self.stable_months


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    case_prefix: str
    flow: str  # dotted path of the flow class, resolved lazily (core imports no app)
    process_model: str  # "app_label.Model" of its cases (dibao and 特困 share one)
    legal_basis: tuple[str, ...]
    intake_title: StrOrPromise
    intake_template: str
    letters: dict[str, str]  # document kind -> PDF template
    intake: IntakeCriteria = field(default_factory=IntakeCriteria)
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    benefit: BenefitPolicy = field(default_factory=BenefitPolicy)
    recheck: RecheckPolicy = field(default_factory=RecheckPolicy)
    #: the legal basis a termination letter cites (MSL 29), when it differs from ``legal_basis``
    termination_legal_basis: tuple[str, ...] = ()
    #: the legal basis a benefit change letter cites (re-checks and changes, MSL 31-32)
    change_legal_basis: tuple[str, ...] = ()

    @property
    def label(self) -> StrOrPromise:
        return Programme(self.code).label

    @cached_property
    def flow_class(self) -> type[Flow]:
        return import_string(self.flow)

    @property
    def termination_basis(self) -> tuple[str, ...]:
        return self.termination_legal_basis or self.legal_basis

    @property
    def change_basis(self) -> tuple[str, ...]:
        return self.change_legal_basis or self.legal_basis

    def __hash__(self) -> int:
        return hash(self.code)


_DIBAO_LETTERS = {
    "decision_letter": "pdf/dibao/decision_letter.html",
    "check_result_notice": "pdf/dibao/check_result_notice.html",
    "public_notice": "pdf/dibao/notice.html",
}

REGISTRY: dict[str, ProgrammeSpec] = {
    spec.code: spec
    for spec in (
        ProgrammeSpec(
            code=Programme.DIBAO,
            case_prefix="DB",
            flow="workflows.dibao.flows.DibaoFlow",
            process_model="dibao.DibaoProcess",
            legal_basis=("《社会救助暂行办法》", "《最低生活保障审核确认办法》"),
            termination_legal_basis=("《社会救助暂行办法》", "《最低生活保障审核确认办法》第二十九条"),
            change_legal_basis=("《社会救助暂行办法》", "《最低生活保障审核确认办法》第三十一条、第三十二条"),
            intake_title=_("最低生活保障申请登记"),
            intake_template="dibao/intake.html",
            letters=_DIBAO_LETTERS,
            intake=IntakeCriteria(single_person_household=True),
            deadlines=DeadlinePolicy(decision_days_delegated=20, decision_days_not_delegated=30, extended_days=45),
            benefit=BenefitPolicy(kind=BenefitKind.MONTHLY, amount_method=AmountMethod.STANDARD_GAP),
            recheck=RecheckPolicy(stable_months=12, unstable_months=6, after_death_months=3, phase_out_months=6),
        ),
        ProgrammeSpec(
            code=Programme.TEKUN,
            case_prefix="TK",
            flow="workflows.dibao.flows.TekunFlow",
            process_model="dibao.DibaoProcess",
            legal_basis=("《社会救助暂行办法》", "《特困人员认定办法》"),
            intake_title=_("特困人员供养申请登记"),
            intake_template="dibao/intake.html",
            letters=_DIBAO_LETTERS,
            intake=IntakeCriteria(
                claims=("no_work_ability", "no_income", "no_supporter"), confirmed_by_home_visit=True
            ),
            deadlines=DeadlinePolicy(staged=True, opinion_days=15, reopinion_days=15, decision_after_notice_days=10),
            benefit=BenefitPolicy(kind=BenefitKind.MONTHLY, amount_method=AmountMethod.SUPPORT_FACTOR),
            recheck=RecheckPolicy(stable_months=12, unstable_months=12, after_death_months=3),
        ),
        ProgrammeSpec(
            code=Programme.TEMPORARY_ASSISTANCE,
            case_prefix="LS",
            flow="workflows.temporary_assistance.flows.TemporaryAssistanceFlow",
            process_model="temporary_assistance.TemporaryAssistanceProcess",
            legal_basis=("《社会救助暂行办法》第四十七条至第五十条", "《国务院关于全面建立临时救助制度的通知》"),
            intake_title=_("临时救助申请登记"),
            intake_template="temporary_assistance/intake.html",
            letters={"decision_letter": "pdf/temporary_assistance/decision_letter.html"},
            intake=IntakeCriteria(spending_shock=True),
            deadlines=DeadlinePolicy(notice_days=None),
            benefit=BenefitPolicy(
                kind=BenefitKind.ONE_OFF, amount_method=AmountMethod.ASSESSED, starts_next_month=False
            ),
            recheck=RecheckPolicy(),
        ),
        ProgrammeSpec(
            # LI23, LB24 (domain.md §8): recognised on dibao's steps, no cash; referrals follow
            code=Programme.LOW_INCOME,
            case_prefix="DS",
            flow="workflows.dibao.flows.LowIncomeFlow",
            process_model="dibao.DibaoProcess",
            legal_basis=(
                "《最低生活保障边缘家庭和刚性支出困难家庭认定办法》",
                "《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》",
            ),
            intake_title=_("低收入家庭认定申请登记"),
            intake_template="dibao/intake.html",
            letters={
                "decision_letter": "pdf/dibao/low_income_decision_letter.html",
                "check_result_notice": "pdf/dibao/check_result_notice.html",
                "public_notice": "pdf/dibao/notice.html",
            },
            intake=IntakeCriteria(eligibility=Eligibility.LOW_INCOME_CATEGORIES),
            deadlines=DeadlinePolicy(decision_days_delegated=20, decision_days_not_delegated=30, extended_days=45),
            benefit=BenefitPolicy(kind=BenefitKind.RECOGNITION, amount_method=AmountMethod.NONE),
            recheck=RecheckPolicy(stable_months=12, unstable_months=12, after_death_months=3),
        ),
    )
}


def spec(code: str) -> ProgrammeSpec:
    """The spec of programme ``code``; ``LookupError`` for an unknown code."""
    try:
        return REGISTRY[str(code)]
    except KeyError:
        raise LookupError(f"unknown programme {code!r}") from None


def is_programme(code: object) -> bool:
    return str(code) in REGISTRY


def all_specs() -> tuple[ProgrammeSpec, ...]:
    return tuple(REGISTRY.values())


def for_flow(flow_class: type[Flow] | Flow) -> ProgrammeSpec | None:
    """The spec whose flow is ``flow_class`` (a flow class or instance), or None."""
    cls = flow_class if isinstance(flow_class, type) else type(flow_class)
    path = f"{cls.__module__}.{cls.__qualname__}"
    return next((s for s in REGISTRY.values() if s.flow == path), None)


def specs_of(process_model: str) -> tuple[ProgrammeSpec, ...]:
    """The specs whose cases are ``process_model`` ("app_label.Model") rows."""
    return tuple(s for s in REGISTRY.values() if s.process_model.lower() == process_model.lower())


def flows_of(process_model: str) -> tuple[type[Flow], ...]:
    """The flow classes whose cases are ``process_model`` rows (dibao and 特困 share one)."""
    return tuple(s.flow_class for s in specs_of(process_model))


def for_process(process: object) -> ProgrammeSpec:
    """The spec of a case: its ``programme`` field, else the one programme of its model.
    Typed ``object`` because appeals passes a stand-in that carries only ``programme``."""
    code = getattr(process, "programme", None)
    if code:
        return spec(code)
    assert isinstance(process, models.Model), "a case without a programme field must be a model row"
    (only,) = specs_of(process._meta.label)
    return only


def all_choices() -> list[tuple[str, StrOrPromise]]:
    """Every programme, for a column that may hold any (callable choices: no migration per programme)."""
    return [(s.code, s.label) for s in REGISTRY.values()]


def choices_for(process_model: str) -> list[tuple[str, StrOrPromise]]:
    """The (code, label) choices of the programmes whose cases are ``process_model`` rows."""
    return [(s.code, s.label) for s in specs_of(process_model)]

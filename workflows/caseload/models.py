"""Benefits that live after the decision (issue 17 item 2; MSL 21, 31, 32; N22 1(3)).

A ``Benefit`` is what an approval gives a household: a monthly amount (dibao, 特困 basic
support) or a recognition without cash, from a month, with a status. Every change to it
is a ``BenefitChange`` row: a decision with a lawful ground from ``Ground`` (MSL 32),
written reasons, the old and new amount and status, the month it takes effect (the month
after the decision) and the letter that told the household.

The benefit row holds the state after its latest decision; what was payable in a given
month is read from the history (``Benefit.amount_in``), because a change decided this
month only takes effect from the next.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.core.models.rules import RuleVersion
from workflows.core.programmes import BenefitKind, Programme, all_choices

from .months import month_of

MONEY = {"max_digits": 12, "decimal_places": 2}

__all__ = [
    "Benefit",
    "BenefitChange",
    "BenefitKind",
    "BenefitStatus",
    "CaseloadRule",
    "ChangeKind",
    "Ground",
    "Programme",
    "Recheck",
    "RecheckOutcome",
    "RecheckReason",
]


class BenefitStatus(models.TextChoices):
    IN_FORCE = "in_force", _("正常享受")
    SUSPENDED = "suspended", _("暂停发放")
    PHASING_OUT = "phasing_out", _("渐退期")
    STOPPED = "stopped", _("已停保")


#: Statuses in which the benefit is paid.
PAYING = frozenset({BenefitStatus.IN_FORCE, BenefitStatus.PHASING_OUT})


class ChangeKind(models.TextChoices):
    OPEN = "open", _("纳入保障")
    INCREASE = "increase", _("增发")
    REDUCE = "reduce", _("减发")
    SUSPEND = "suspend", _("暂停发放")
    RESUME = "resume", _("恢复发放")
    PHASE_OUT = "phase_out", _("渐退")
    STOP = "stop", _("停保")
    RESTORE = "restore", _("依复议或诉讼结果恢复")


class Ground(models.TextChoices):
    """The lawful grounds of a change (MSL 32; SAI 66, 68; N22 1(3)). A change names one."""

    APPROVED = "approved", _("审核确认享受（MSL 21）")
    INCOME_INCREASED = "income_increased", _("家庭收入增加（MSL 32）")
    INCOME_DECREASED = "income_decreased", _("家庭收入减少（MSL 32）")
    HOUSEHOLD_CHANGED = "household_changed", _("家庭人口状况变化（MSL 32）")
    MEMBER_DIED = "member_died", _("家庭成员死亡（MSL 32）")
    ASSETS_EXCEED = "assets_exceed", _("家庭财产状况超出规定（MSL 32）")
    STANDARD_CHANGED = "standard_changed", _("保障标准调整（MSL 23）")
    NO_LONGER_ELIGIBLE = "no_longer_eligible", _("经复核不再符合条件（MSL 31、32）")
    REFUSED_RECHECK = "refused_recheck", _("无正当理由拒不配合复核（MSL 32）")
    MOVED_AWAY = "moved_away", _("户籍迁出本辖区（MSL 32）")
    EMPLOYMENT = "employment", _("就业增收，收入超过保障标准（N22 1(3)）")
    PHASE_OUT_ENDED = "phase_out_ended", _("渐退期满（N22 1(3)）")
    REVOKED_BY_COUNTY = "revoked_by_county", _("县级抽查撤销审核确认（SAI 66、68）")
    CIRCUMSTANCES_CLARIFIED = "circumstances_clarified", _("暂停事由消除（MSL 32）")
    APPEAL_OVERTURNED = "appeal_overturned", _("行政复议或行政诉讼撤销、变更原决定（SAI 65）")
    MIGRATED = "migrated", _("从原系统迁入")


#: Which grounds may carry which kind of change (anything else is refused).
GROUNDS_FOR_KIND: dict[str, frozenset[str]] = {
    ChangeKind.OPEN: frozenset({Ground.APPROVED, Ground.MIGRATED}),
    ChangeKind.INCREASE: frozenset({Ground.INCOME_DECREASED, Ground.HOUSEHOLD_CHANGED, Ground.STANDARD_CHANGED}),
    ChangeKind.REDUCE: frozenset(
        {Ground.INCOME_INCREASED, Ground.HOUSEHOLD_CHANGED, Ground.MEMBER_DIED, Ground.STANDARD_CHANGED}
    ),
    ChangeKind.SUSPEND: frozenset({Ground.REFUSED_RECHECK, Ground.HOUSEHOLD_CHANGED}),
    ChangeKind.RESUME: frozenset({Ground.CIRCUMSTANCES_CLARIFIED}),
    ChangeKind.RESTORE: frozenset({Ground.APPEAL_OVERTURNED}),
    ChangeKind.PHASE_OUT: frozenset({Ground.EMPLOYMENT}),
    ChangeKind.STOP: frozenset(
        {
            Ground.INCOME_INCREASED,
            Ground.MEMBER_DIED,
            Ground.ASSETS_EXCEED,
            Ground.NO_LONGER_ELIGIBLE,
            Ground.REFUSED_RECHECK,
            Ground.MOVED_AWAY,
            Ground.PHASE_OUT_ENDED,
            Ground.REVOKED_BY_COUNTY,
        }
    ),
}

#: Grounds only the county decides (its sampling review), not the township.
COUNTY_GROUNDS = frozenset({Ground.REVOKED_BY_COUNTY})
#: Grounds the engine applies by itself when a term runs out (no person decides again), or
#: that only the outcome of an appeal applies (``appeals.services.appeal_decide``).
SYSTEM_GROUNDS = frozenset({Ground.PHASE_OUT_ENDED, Ground.APPEAL_OVERTURNED})


class Benefit(models.Model):
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="benefits", verbose_name=_("保障家庭")
    )
    programme = models.CharField(_("救助类别"), max_length=32, choices=all_choices)
    kind = models.CharField(_("保障方式"), max_length=16, choices=BenefitKind.choices)
    monthly_amount = models.DecimalField(
        _("保障金额（元/月）"), default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    starts = models.DateField(_("发放起始月"))
    until = models.DateField(_("发放截止月"), null=True, blank=True, help_text=_("最后发放的月份；空表示持续发放"))
    status = models.CharField(
        _("保障状态"), max_length=16, choices=BenefitStatus.choices, default=BenefitStatus.IN_FORCE
    )
    source_case = models.ForeignKey(
        "viewflow.Process",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("来源案件"),
    )
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    county = models.ForeignKey("core.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(
        "core.Township", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）")
    )
    # re-checks (MSL 31) and phase-out (N22 1(3)); set by the services
    recheck_months = models.PositiveSmallIntegerField(_("复核周期（月）"), null=True, blank=True)
    next_recheck_due = models.DateField(_("下次复核期限"), null=True, blank=True)
    phase_out_until = models.DateField(_("渐退截止月"), null=True, blank=True)
    opened_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("在保记录")
        verbose_name_plural = _("在保记录")
        constraints = [
            models.UniqueConstraint(
                fields=["source_case"],
                condition=models.Q(source_case__isnull=False),
                name="caseload_one_benefit_per_case",
            ),
        ]
        indexes = [
            models.Index(fields=["township", "status"], name="caseload_township_status"),
            models.Index(fields=["status", "next_recheck_due"], name="caseload_status_recheck"),
            models.Index(fields=["county", "status"], name="caseload_county_status"),
        ]

    def __str__(self):
        return f"{self.case_number or self.pk} {self.get_programme_display()}"

    @property
    def is_paying(self) -> bool:
        return self.status in PAYING

    def amount_in(self, month: datetime.date) -> Decimal:
        """What this benefit pays for ``month`` (0 for a recognition, before it starts, while
        suspended, after it stops), from the history of changes in effect by then."""
        month = month_of(month)
        if self.kind != BenefitKind.MONTHLY or month < self.starts:
            return Decimal("0.00")
        # ``changes.all()`` so a caller that prefetched the history (the payment roll, over
        # thousands of benefits and months) asks the database nothing here.
        in_effect = [c for c in self.changes.all() if c.effective_month <= month]
        latest = max(in_effect, key=lambda c: (c.effective_month, c.pk), default=None)
        if latest is None or latest.new_status not in PAYING:
            return Decimal("0.00")
        return latest.new_amount


class BenefitChange(models.Model):
    """One decision in a benefit's history (never edited; a correction is a new change)."""

    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="changes", verbose_name=_("在保记录"))
    kind = models.CharField(_("变更类别"), max_length=16, choices=ChangeKind.choices)
    ground = models.CharField(_("变更依据"), max_length=32, choices=Ground.choices)
    reasons = models.TextField(_("书面理由"))
    old_amount = models.DecimalField(_("原金额（元/月）"), null=True, blank=True, **MONEY)
    new_amount = models.DecimalField(_("新金额（元/月）"), **MONEY)
    old_status = models.CharField(_("原状态"), max_length=16, choices=BenefitStatus.choices, blank=True)
    new_status = models.CharField(_("新状态"), max_length=16, choices=BenefitStatus.choices)
    decided_on = models.DateField(_("决定日期"))
    effective_month = models.DateField(_("生效月份"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("决定人"),
    )
    letter = models.ForeignKey(
        "documents.CaseDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("变更告知书"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("保障变更")
        verbose_name_plural = _("保障变更")
        ordering = ["effective_month", "pk"]
        indexes = [models.Index(fields=["benefit", "effective_month"], name="caseload_change_benefit_month")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.effective_month:%Y-%m}"


class CaseloadRule(RuleVersion):
    """A county's caseload rules, versioned by effective date (MSL 31; N22 1(3)): how often a
    household is re-checked, how soon after a death, and how long a phase-out may last.
    Without a version in force the national defaults apply (``for_county``)."""

    stable_recheck_months = models.PositiveSmallIntegerField(
        _("稳定家庭复核周期（月）"), default=12, validators=[MinValueValidator(1)],
        help_text=_("家庭成员均为老年人、重度残疾人或无劳动能力的家庭（MSL 31：每年）。"),
    )  # fmt: skip
    unstable_recheck_months = models.PositiveSmallIntegerField(
        _("收入不稳定家庭复核周期（月）"), default=6, validators=[MinValueValidator(1)],
        help_text=_("有劳动年龄内有劳动能力成员或收入来源不固定的家庭（MSL 31：每半年）。"),
    )  # fmt: skip
    death_recheck_months = models.PositiveSmallIntegerField(
        _("成员死亡后复核期限（月）"), default=3, validators=[MinValueValidator(1)]
    )
    phase_out_max_months = models.PositiveSmallIntegerField(
        _("渐退期上限（月）"), default=6, validators=[MinValueValidator(1)], help_text=_("N22 1(3)：最长 6 个月。")
    )

    class Meta(RuleVersion.Meta):
        verbose_name = _("在保管理规则")
        verbose_name_plural = _("在保管理规则")
        constraints = [models.UniqueConstraint(fields=["county", "effective_from"], name="caseloadrule_unique_version")]

    def __str__(self):
        return f"{self.county} ({self.effective_from})"

    @classmethod
    def for_county(cls, county_id: int, on: datetime.date) -> CaseloadRule:
        """The version in force on ``on``, or the national defaults (unsaved) when none is."""
        row = cls.objects.filter(county_id=county_id, effective_from__lte=on).order_by("-effective_from", "-pk").first()
        return row or cls(county_id=county_id, effective_from=on)


class RecheckReason(models.TextChoices):
    SCHEDULED = "scheduled", _("定期复核（MSL 31）")
    DEATH = "death", _("家庭成员死亡")
    INCOME_CHANGE = "income_change", _("报告收入变化")


class RecheckOutcome(models.TextChoices):
    OPEN = "", _("复核中")
    CONTINUE = "continue", _("继续享受")
    ADJUST = "adjust", _("调整保障金额")
    STOP = "stop", _("停止保障")


class Recheck(models.Model):
    """One re-check of a benefit (MSL 31): scheduled from the household at approval and after
    every re-check, brought forward by a death or an income change; a fresh finance check
    (with fresh consent), a simplified home visit, then continue / adjust / stop."""

    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="rechecks", verbose_name=_("在保记录"))
    county = models.ForeignKey("core.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(
        "core.Township", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）")
    )
    reason = models.CharField(_("复核原因"), max_length=16, choices=RecheckReason.choices)
    due_on = models.DateField(_("复核期限"))
    opened_on = models.DateField(_("启动日期"), null=True, blank=True)
    event_on = models.DateField(_("事件日期"), null=True, blank=True)
    # the fresh household-finance check (MSL 31, 9)
    check_requested_on = models.DateField(_("提请核对日期"), null=True, blank=True)
    finance_check_id = models.PositiveBigIntegerField(_("核对编号"), null=True, blank=True)
    finance_outcome = models.CharField(_("核对结论"), max_length=16, blank=True)
    finance_result = models.JSONField(_("核对结果"), default=dict, blank=True)
    # the simplified home visit
    visited_on = models.DateField(_("入户日期"), null=True, blank=True)
    visit_findings = models.TextField(_("入户核查情况"), blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("入户人员"),
    )  # fmt: skip
    # the outcome
    outcome = models.CharField(_("复核结论"), max_length=16, choices=RecheckOutcome.choices, blank=True)
    decided_on = models.DateField(_("复核决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("决定人"),
    )  # fmt: skip
    change = models.ForeignKey(
        BenefitChange, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("保障变更")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("复核")
        verbose_name_plural = _("复核")
        constraints = [
            models.UniqueConstraint(
                fields=["benefit"], condition=models.Q(outcome=""), name="caseload_one_open_recheck_per_benefit"
            ),
        ]
        indexes = [
            models.Index(fields=["township", "outcome", "due_on"], name="caseload_recheck_township_due"),
            models.Index(fields=["county", "outcome", "due_on"], name="caseload_recheck_county_due"),
            models.Index(fields=["outcome", "opened_on", "due_on"], name="caseload_recheck_to_open"),
        ]

    def __str__(self):
        return f"{self.benefit} {self.get_reason_display()} {self.due_on}"

    @property
    def is_open(self) -> bool:
        return self.outcome == RecheckOutcome.OPEN

    @property
    def finance_outcome_label(self) -> str:
        """The finance check's conclusion in words (its outcome codes are the finance check's)."""
        from workflows.finance_check.models import Outcome

        return str(dict(Outcome.choices).get(self.finance_outcome, self.finance_outcome))

    def overdue_on(self, today: datetime.date) -> bool:
        return self.is_open and self.due_on < today

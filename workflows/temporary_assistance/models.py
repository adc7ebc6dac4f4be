"""Temporary assistance (临时救助) cases (domain.md §6; TA18, SAI 47-50).

A case is one request for one event. Routing (named methods below):

- assist first (先行救助, emergencies only): the township pays at once from its
  reserve fund, then completes the paperwork within the configured number of
  working days; overdue paperwork escalates to the county;
- otherwise the tier decides who approves: up to the township limit the
  township approver (paid from the township fund); above it the county
  officer (paid by the county, not from the township fund); major hardship a
  case-by-case county decision (一事一议, paid by the county).

The case keeps the rule versions it was decided under (``rule``, ``standard``)
and the limit they gave (``township_limit``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core import programmes
from workflows.core.cases import CaseFields
from workflows.core.models import DibaoStandard, TemporaryAssistanceRule, Township
from workflows.core.money import sum_to_fen
from workflows.core.programmes import Programme
from workflows.households.models import Household

MONEY = {"max_digits": 12, "decimal_places": 2}


class Kind(models.TextChoices):
    EMERGENCY = "emergency", _("急难型")
    SPENDING_SHOCK = "spending_shock", _("支出型")


class Cause(models.TextChoices):
    FIRE = "fire", _("火灾")
    FLOOD = "flood", _("洪涝等自然灾害")
    ACCIDENT = "accident", _("交通事故等意外事件")
    SUDDEN_ILLNESS = "sudden_illness", _("突发重大疾病")
    MEDICAL_EXPENSE = "medical_expense", _("医疗费用支出")
    EDUCATION_EXPENSE = "education_expense", _("教育费用支出")
    OTHER = "other", _("其他")


class Tier(models.TextChoices):
    TOWNSHIP = "township", _("乡镇审批")
    COUNTY = "county", _("县级审批")
    CASE_BY_CASE = "case_by_case", _("一事一议")


class Decision(models.TextChoices):
    APPROVED = "approved", _("批准")
    REFUSED = "refused", _("不予救助")


class AfterCheck(models.TextChoices):
    """How the after-the-fact check of an assist-first payment is done (TA18 2(2); MSL 17)."""

    RUN = "run", _("进行家庭经济状况核对")
    WAIVED = "waived", _("逐项说明无需核对的理由")


class RecoveryDecision(models.TextChoices):
    RECOVER = "recover", _("追回已发放救助金")
    NO_RECOVERY = "no_recovery", _("不予追回")


class TemporaryAssistanceProcess(CaseFields, Process):
    CASE_PREFIX = programmes.spec(Programme.TEMPORARY_ASSISTANCE).case_prefix

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭"))
    kind = models.CharField(_("救助类型"), max_length=16, choices=Kind.choices)
    cause = models.CharField(_("事由类别"), max_length=24, choices=Cause.choices)
    event_date = models.DateField(_("事件发生日期"))
    cause_detail = models.TextField(_("情况说明"))
    repeat_reason = models.TextField(
        _("再次申请的新理由"), blank=True, help_text=_("同一事由再次申请时必须说明新的困难情况。")
    )
    major_hardship = models.BooleanField(_("重大困难（一事一议）"), default=False)
    requested_amount = models.DecimalField(_("申请金额（元）"), **MONEY)
    assist_first = models.BooleanField(_("先行救助"), default=False)
    tier = models.CharField(_("审批层级"), max_length=16, choices=Tier.choices, blank=True)

    rule = models.ForeignKey(
        TemporaryAssistanceRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用临时救助规则")
    )
    standard = models.ForeignKey(
        DibaoStandard,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("计算限额所用城市低保标准"),
    )
    township_limit = models.DecimalField(_("乡镇审批限额（元）"), **MONEY)

    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    # 急难发生地 (TA18; ZB20): set when the township where the emergency happened helps a household
    # registered in another township; the case's own regions are the helping township's.
    registration_township = models.ForeignKey(
        Township,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("户籍所在乡镇（急难发生地救助）"),
    )

    finance_check_ref = models.CharField(_("核对编号"), max_length=64, blank=True)
    finance_check_outcome = models.CharField(_("核对结果"), max_length=32, blank=True)

    decision = models.CharField(_("审批结论"), max_length=16, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("审批意见/不予救助理由"), blank=True)
    approved_amount = models.DecimalField(_("批准金额（元）"), null=True, blank=True, **MONEY)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批人")
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    meeting_date = models.DateField(_("一事一议会议日期"), null=True, blank=True)
    meeting_participants = models.TextField(_("参会人员"), blank=True)

    paperwork_due = models.DateField(_("补办手续截止日"), null=True, blank=True)
    paperwork_completed_at = models.DateTimeField(_("补办完成时间"), null=True, blank=True)
    paperwork_completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("补办人")
    )
    # assist-first completion (TA18 2(2), ZB20 15): the head's signature, the reconciled amount,
    # the after-the-fact check (or, per source, why it is not needed) and, if it fails, recovery (SAI 68)
    paperwork_head_signer = models.CharField(_("乡镇负责人签字"), max_length=50, blank=True)
    paperwork_head_signed_on = models.DateField(_("乡镇负责人签字日期"), null=True, blank=True)
    paperwork_reconciled_amount = models.DecimalField(_("核对一致的已发放金额（元）"), null=True, blank=True, **MONEY)
    after_check = models.CharField(_("事后核对方式"), max_length=8, choices=AfterCheck.choices, blank=True)
    after_check_waivers = models.JSONField(_("无需核对的数据来源及理由"), default=dict, blank=True)
    after_check_ref = models.CharField(_("事后核对编号"), max_length=64, blank=True)
    after_check_outcome = models.CharField(_("事后核对结果"), max_length=32, blank=True)
    recovery_decision = models.CharField(_("追回决定"), max_length=16, choices=RecoveryDecision.choices, blank=True)
    recovery_amount = models.DecimalField(_("应追回金额（元）"), null=True, blank=True, **MONEY)
    recovery_reason = models.TextField(_("追回决定理由"), blank=True)
    recovery_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("追回决定人")
    )
    recovery_decided_at = models.DateTimeField(_("追回决定时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("逾期报县时间"), null=True, blank=True)
    escalation_note = models.TextField(_("县级督办意见"), blank=True)

    class Meta:
        verbose_name = _("临时救助案件")
        verbose_name_plural = _("临时救助案件")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["township", "case_number"]),
            models.Index(fields=["household", "cause", "event_date"]),
            models.Index(fields=["township", "assist_first", "paperwork_completed_at"]),
        ]

    def __str__(self):
        return self.case_number or f"#{self.pk}"

    # --- separation of duties (domain.md §1) --------------------------------
    def excluded_actor_ids(self, node_name: str) -> set[int]:
        if node_name in {"assist_first_pay", "township_approve", "county_approve", "case_by_case_decision"}:
            return {self.opened_by_id} if self.opened_by_id else set()
        if node_name == "recovery_decision":  # who filed, paid or completed never decides on recovering it
            return {pk for pk in (self.opened_by_id, self.decided_by_id, self.paperwork_completed_by_id) if pk}
        return set()

    # --- help where the emergency happens (急难发生地, TA18; ZB20) ---------------
    @property
    def at_emergency_place(self) -> bool:
        return self.registration_township_id is not None

    def read_only_township_ids(self) -> frozenset[int]:
        """Townships that may see this one case without acting on it (``core.flows.case_readable``):
        the household's registration township (and so its county) when helped elsewhere."""
        return frozenset({self.registration_township_id}) if self.registration_township_id else frozenset()

    # --- routing --------------------------------------------------------------
    def compute_tier(self) -> str:
        """Who decides: 一事一议 for major hardship, else township up to its limit, else county."""
        if self.major_hardship:
            return Tier.CASE_BY_CASE
        if self.requested_amount <= self.township_limit:
            return Tier.TOWNSHIP
        return Tier.COUNTY

    def is_assist_first(self) -> bool:
        return self.assist_first

    def needs_finance_check(self) -> bool:
        """Spending-shock cases go through the household-finance check; emergencies skip it."""
        return self.kind == Kind.SPENDING_SHOCK

    def is_township_tier(self) -> bool:
        return self.tier == Tier.TOWNSHIP

    def is_county_tier(self) -> bool:
        return self.tier == Tier.COUNTY

    def is_case_by_case(self) -> bool:
        return self.tier == Tier.CASE_BY_CASE

    def is_approved(self) -> bool:
        return self.decision == Decision.APPROVED

    def after_check_requested(self) -> bool:
        return self.after_check == AfterCheck.RUN

    def after_check_passed(self) -> bool:
        """Only an "eligible" check confirms an assist-first payment; anything else goes to a recovery decision."""
        return self.after_check_outcome == "eligible"

    def is_fully_paid(self) -> bool:
        return self.unpaid_amount() <= 0

    # --- money ------------------------------------------------------------------
    def paid_amount(self) -> Decimal:
        total = self.payments.aggregate(s=models.Sum("amount"), r=models.Sum("reversed_amount"))
        return sum_to_fen(total["s"]) - sum_to_fen(total["r"])

    def unpaid_amount(self) -> Decimal:
        if self.approved_amount is None:
            return Decimal("0.00")
        staged = sum_to_fen(self.payments.aggregate(s=models.Sum("amount"))["s"])
        return self.approved_amount - staged

    @property
    def paperwork_pending(self) -> bool:
        return self.assist_first and self.paperwork_completed_at is None

    @property
    def payment_status_label(self) -> str:
        if self.paperwork_pending and self.payments.exists():
            return str(_("先行救助，待补办手续"))
        if self.decision == Decision.REFUSED:
            return str(_("不予救助"))
        if self.approved_amount is not None and self.is_fully_paid():
            return str(_("已发放"))
        if self.approved_amount is not None:
            return str(_("分次发放中"))
        return str(_("审批中"))


class Payment(models.Model):
    """One staged payment of an approved amount (TA18 3(3): township fund or county)."""

    class Source(models.TextChoices):
        TOWNSHIP_FUND = "township_fund", _("乡镇备用金")
        COUNTY = "county", _("县级支付")

    process = models.ForeignKey(
        TemporaryAssistanceProcess, on_delete=models.PROTECT, related_name="payments", verbose_name=_("案件")
    )
    seq = models.PositiveSmallIntegerField(_("第几次发放"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    source = models.CharField(_("资金来源"), max_length=16, choices=Source.choices)
    fund_entry = models.OneToOneField(
        "funds.FundEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ta_payment",
        verbose_name=_("备用金台账记录"),
    )
    assist_first = models.BooleanField(_("先行救助"), default=False)
    paid_at = models.DateTimeField(_("发放时间"))
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发放人")
    )
    reversed_amount = models.DecimalField(_("已冲销（元）"), default=Decimal("0.00"), **MONEY)
    reversal_reason = models.TextField(_("冲销理由"), blank=True)

    class Meta:
        verbose_name = _("临时救助发放")
        verbose_name_plural = _("临时救助发放")
        ordering = ["process", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["process", "seq"], name="ta_payment_seq_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="ta_payment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(reversed_amount__gte=0, reversed_amount__lte=models.F("amount")),
                name="ta_payment_reversal_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.process} #{self.seq} {self.amount}"

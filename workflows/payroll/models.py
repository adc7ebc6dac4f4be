"""The monthly payment roll (发放名册; domain.md §8 "Monthly payment", YKT19).

Per township and month the roll lists what the finance bureau's "一卡通" channel pays:
every monthly benefit in force (dibao, 特困 basic support), arrears for months owed but
not yet rolled (a late start, a retroactive increase), temporary-assistance instalments
paid through the county, reissues of returned payments, less recovery deductions.

A roll is a draft the case worker may regenerate until the township head freezes it;
a frozen roll never changes (``PaymentRollLine.save`` refuses, and so do the services).
A change decided after freezing is paid in the next roll, because every roll computes
"owed up to this month" minus "rolled in earlier frozen rolls" for each benefit.
The line keeps the payee's name, ID number and account as they were when the roll was
generated: the frozen roll is the record of what was sent.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}

ERR_FROZEN = _("发放名册已冻结，不能修改；冻结后的变更计入下月名册。")


class RollStatus(models.TextChoices):
    DRAFT = "draft", _("草稿（可重新生成）")
    FROZEN = "frozen", _("已冻结（已报送财政）")


class LineKind(models.TextChoices):
    BENEFIT = "benefit", _("按月保障金")
    TA_INSTALMENT = "ta_instalment", _("临时救助（县级发放）")
    REISSUE = "reissue", _("退回重发")


class PaymentRoll(models.Model):
    county = models.ForeignKey("core.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(
        "core.Township", on_delete=models.PROTECT, related_name="payment_rolls", verbose_name=_("乡镇（街道）")
    )
    month = models.DateField(_("发放月份"))
    status = models.CharField(_("状态"), max_length=8, choices=RollStatus.choices, default=RollStatus.DRAFT)
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    total_amount = models.DecimalField(_("实发合计（元）"), default=Decimal("0.00"), **MONEY)
    total_arrears = models.DecimalField(_("补发合计（元）"), default=Decimal("0.00"), **MONEY)
    total_deductions = models.DecimalField(_("扣减合计（元）"), default=Decimal("0.00"), **MONEY)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("生成人")
    )
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("冻结人（乡镇负责人）"),
    )

    class Meta:
        verbose_name = _("发放名册")
        verbose_name_plural = _("发放名册")
        ordering = ["-month", "township__code"]
        constraints = [
            models.UniqueConstraint(fields=["township", "month"], name="payroll_one_roll_per_township_month"),
            models.CheckConstraint(name="payroll_total_not_negative", condition=models.Q(total_amount__gte=0)),
        ]

    def __str__(self):
        return f"{self.township} {self.month:%Y-%m}"

    @property
    def is_frozen(self) -> bool:
        return self.status == RollStatus.FROZEN


class PaymentRollLine(models.Model):
    roll = models.ForeignKey(PaymentRoll, on_delete=models.CASCADE, related_name="lines", verbose_name=_("发放名册"))
    kind = models.CharField(_("类别"), max_length=16, choices=LineKind.choices)
    benefit = models.ForeignKey(
        "caseload.Benefit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roll_lines",
        verbose_name=_("在保记录"),
    )
    ta_payment = models.OneToOneField(
        "temporary_assistance.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("临时救助发放"),
    )
    reissue_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_by",
        verbose_name=_("重发的原记录"),
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭")
    )
    programme = models.CharField(_("救助类别"), max_length=32)
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    payee_name = models.CharField(_("收款人"), max_length=64)
    payee_id_number = models.CharField(_("身份证号码"), max_length=18)
    bank_account = models.CharField(_("收款账户"), max_length=40, blank=True)
    current = models.DecimalField(_("本月金额（元）"), default=Decimal("0.00"), **MONEY)
    arrears = models.DecimalField(_("补发（元）"), default=Decimal("0.00"), **MONEY)
    deduction = models.DecimalField(_("扣减（元）"), default=Decimal("0.00"), **MONEY)
    amount = models.DecimalField(_("实发（元）"), **MONEY)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # a payment the bank returned (closed account); reissued in a later roll once corrected
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    returned_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    reissue_ready = models.BooleanField(_("账户已更正，待重发"), default=False)

    class Meta:
        verbose_name = _("发放名册明细")
        verbose_name_plural = _("发放名册明细")
        ordering = ["roll", "pk"]
        constraints = [
            models.CheckConstraint(
                name="payroll_line_amounts_not_negative",
                condition=models.Q(current__gte=0, arrears__gte=0, deduction__gte=0, amount__gte=0),
            ),
        ]
        indexes = [models.Index(fields=["benefit", "roll"], name="payroll_line_benefit_roll")]

    def __str__(self):
        return f"{self.roll} {self.payee_name} {self.amount}"

    def save(self, *args, **kwargs):
        # The returned-payment fields are the only ones that change after freezing (they
        # record what the bank did with the payment, not what the roll says).
        if self.roll_id and PaymentRoll.objects.filter(pk=self.roll_id, status=RollStatus.FROZEN).exists():
            update_fields = set(kwargs.get("update_fields") or ())
            if not update_fields or not update_fields <= {"returned_at", "returned_reason", "reissue_ready"}:
                raise ValidationError(ERR_FROZEN)
        super().save(*args, **kwargs)

    @property
    def gross(self) -> Decimal:
        return self.current + self.arrears


class Deduction(models.Model):
    """Money to recover from a household's future payments (a recovery decision, SAI 68):
    deducted from its roll lines, never below zero, the remaining amount reduced when the
    roll that deducted it is frozen."""

    class Status(models.TextChoices):
        OPEN = "open", _("扣减中")
        SETTLED = "settled", _("已扣清")

    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭")
    )
    township = models.ForeignKey(
        "core.Township", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）")
    )
    amount = models.DecimalField(_("应扣减金额（元）"), **MONEY)
    remaining = models.DecimalField(_("尚未扣减（元）"), **MONEY)
    monthly_cap = models.DecimalField(
        _("每月最多扣减（元）"), null=True, blank=True, help_text=_("空表示不设上限"), **MONEY
    )
    reason = models.TextField(_("扣减依据"))
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )

    class Meta:
        verbose_name = _("追回扣减")
        verbose_name_plural = _("追回扣减")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="payroll_deduction_remaining_within_amount",
                condition=models.Q(remaining__gte=0, remaining__lte=models.F("amount")),
            ),
        ]

    def __str__(self):
        return f"{self.household} {self.remaining}/{self.amount}"


class LineDeduction(models.Model):
    """Which deduction a roll line applied, and how much (settled when the roll freezes)."""

    line = models.ForeignKey(PaymentRollLine, on_delete=models.CASCADE, related_name="deductions")
    deduction = models.ForeignKey(Deduction, on_delete=models.PROTECT, related_name="applied")
    amount = models.DecimalField(_("扣减（元）"), **MONEY)

    class Meta:
        verbose_name = _("明细扣减")
        verbose_name_plural = _("明细扣减")

    def __str__(self):
        return f"{self.line_id} {self.amount}"

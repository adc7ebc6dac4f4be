"""Township reserve funds (备用金) for temporary assistance (domain.md §6; SAI 48, TA18 3(3)).

Each township holds one fund per budget year. Every movement is a
``FundEntry`` in an append-only ledger: allocations and replenishments by the
county (positive), payments (negative) and reversals of payments (positive).

Balance: ``ReserveFund.balance`` is a *cached* sum of the fund's entries. It
is written only by ``workflows.funds.services`` in the same transaction as the
entry, while holding the fund's row lock (``select_for_update``), so the two
can never drift; ``fund_verify`` recomputes the sum and the tests assert the
equality after concurrent payments. The cache makes the balance check under
the lock a single-row read instead of an aggregate over the whole ledger, and
lets the database itself refuse an overdraft (CheckConstraint balance >= 0).

Immutability: ``FundEntry.save`` refuses updates, ``delete`` and queryset
``update``/``delete`` refuse always, the admin is read-only, the JSON API
answers 405 to writes, and on PostgreSQL a trigger raises on any UPDATE or
DELETE of the entry table (migration 0002).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.models import Township
from workflows.core.money import sum_to_fen

ERR_LEDGER_APPEND_ONLY = _("备用金台账只能追加，不能修改或删除；更正请做冲销。")
ERR_BALANCE_READ_ONLY = _("备用金余额只能通过台账记账改变。")

MONEY = {"max_digits": 14, "decimal_places": 2}


class ReserveFund(models.Model):
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="reserve_funds", verbose_name=_("乡镇（街道）")
    )
    budget_year = models.PositiveSmallIntegerField(_("预算年度"))
    balance = models.DecimalField(_("余额（元）"), default=Decimal("0.00"), **MONEY)
    created_at = models.DateTimeField(_("设立时间"), default=timezone.now)

    class Meta:
        verbose_name = _("临时救助备用金")
        verbose_name_plural = _("临时救助备用金")
        ordering = ["-budget_year", "township__code"]
        constraints = [
            models.UniqueConstraint(fields=["township", "budget_year"], name="reservefund_one_per_year"),
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="reservefund_balance_not_negative"),
        ]

    def __str__(self):
        return f"{self.township} {self.budget_year}"


class FundEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(str(ERR_LEDGER_APPEND_ONLY))

    def delete(self):
        raise PermissionError(str(ERR_LEDGER_APPEND_ONLY))

    def total(self) -> Decimal:
        return sum_to_fen(self.aggregate(s=models.Sum("amount"))["s"])


class FundEntry(models.Model):
    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("县级拨付")
        REPLENISHMENT = "replenishment", _("县级补充")
        PAYMENT = "payment", _("救助支出")
        REVERSAL = "reversal", _("冲销退回")

    fund = models.ForeignKey(ReserveFund, on_delete=models.PROTECT, related_name="entries", verbose_name=_("备用金"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("金额（元，支出为负）"), **MONEY)
    balance_after = models.DecimalField(_("记账后余额（元）"), **MONEY)
    reason = models.CharField(_("事由"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    process_id = models.BigIntegerField(_("案件流程号"), null=True, blank=True, db_index=True)
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        verbose_name=_("冲销的支出"),
    )
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now)

    objects = FundEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("备用金台账记录")
        verbose_name_plural = _("备用金台账")
        ordering = ["fund", "-pk"]
        indexes = [models.Index(fields=["fund", "-id"], name="fundentry_fund_recent")]
        constraints = [
            models.CheckConstraint(
                name="fundentry_sign_matches_kind",
                condition=(
                    models.Q(kind="payment", amount__lt=0)
                    | models.Q(kind__in=["allocation", "replenishment", "reversal"], amount__gt=0)
                ),
            ),
            models.CheckConstraint(
                name="fundentry_reversal_links_payment",
                condition=models.Q(kind="reversal", reverses__isnull=False) | ~models.Q(kind="reversal"),
            ),
        ]

    def __str__(self):
        return f"{self.fund} {self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(str(ERR_LEDGER_APPEND_ONLY))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(str(ERR_LEDGER_APPEND_ONLY))

    @property
    def reversible_amount(self) -> Decimal:
        """For a payment: what has not been reversed yet (positive)."""
        if self.kind != self.Kind.PAYMENT:
            return Decimal("0.00")
        return -self.amount - self.reversals.total()

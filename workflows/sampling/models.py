"""County sampling review (监督抽查, domain.md §7).

- ``ApprovalRecord``: one township approval (dibao, 特困, temporary
  assistance), registered by the programme flow the moment it decides
  (``services.approval_register``). This is the sampling pool.
- ``ApprovalActor``: everyone who acted on that approval (investigated,
  proposed, signed, approved); none of them may review it.
- ``Complaint``: a complaint about a case forces it into the next draw.
- ``SamplingDraw`` / ``DrawnCase``: a stored, reproducible draw (seed, ratio,
  pool snapshot, composition) and the cases it selected, with the reason.
- ``SamplingReviewProcess``: one review case per drawn case (viewflow).
- ``Correction``: a correction ordered to the township, with its deadline.
- ``Recovery``: the wrongly paid money to recover after a revocation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core import programmes
from workflows.core.cases import CaseFields
from workflows.core.models import County, SamplingRule, Township, Village

MONEY = {"max_digits": 12, "decimal_places": 2}


class ApprovalRecord(models.Model):
    process_id = models.BigIntegerField(_("案件流程号"), unique=True)
    programme = models.CharField(_("救助项目"), max_length=32, choices=programmes.all_choices)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）"))
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）"))
    case_number = models.CharField(_("案件编号"), max_length=32)
    approved_on = models.DateField(_("审批日期"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批人")
    )
    monthly_amount = models.DecimalField(_("月保障金额（元）"), null=True, blank=True, **MONEY)
    payment_starts = models.DateField(_("发放起始月"), null=True, blank=True)
    one_off_amount = models.DecimalField(_("一次性救助金额（元）"), null=True, blank=True, **MONEY)
    staff_relative = models.BooleanField(_("近亲属备案案件"), default=False)
    rule_versions = models.JSONField(_("适用规则版本"), default=dict, blank=True)
    finance_check_id = models.BigIntegerField(_("核对记录号"), null=True, blank=True)
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # Set when a draw took this record into its pool: a record is pooled once.
    pooled_in = models.ForeignKey(
        "SamplingDraw",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属抽查批次"),
    )
    revoked = models.BooleanField(_("已撤销"), default=False)
    benefit_stopped_from = models.DateField(_("停保起始日"), null=True, blank=True)

    class Meta:
        verbose_name = _("乡镇审批记录")
        verbose_name_plural = _("乡镇审批记录")
        ordering = ["pk"]
        indexes = [models.Index(fields=["county", "pooled_in", "approved_on"])]
        constraints = [
            models.CheckConstraint(
                name="approvalrecord_amounts_not_negative",
                condition=(models.Q(monthly_amount__isnull=True) | models.Q(monthly_amount__gte=0))
                & (models.Q(one_off_amount__isnull=True) | models.Q(one_off_amount__gte=0)),
            )
        ]

    def __str__(self):
        return self.case_number


class ApprovalActor(models.Model):
    record = models.ForeignKey(
        ApprovalRecord, on_delete=models.CASCADE, related_name="actors", verbose_name=_("审批记录")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人员")
    )

    class Meta:
        verbose_name = _("审批经办人员")
        verbose_name_plural = _("审批经办人员")
        constraints = [models.UniqueConstraint(fields=["record", "user"], name="approvalactor_unique")]

    def __str__(self):
        return f"{self.record_id} · {self.user_id}"


class Complaint(models.Model):
    process_id = models.BigIntegerField(_("案件流程号"), db_index=True)
    received_on = models.DateField(_("收到日期"))
    summary = models.TextField(_("投诉摘要"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    drawn_in = models.ForeignKey(
        "DrawnCase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("抽中案件"),
    )

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ["pk"]

    def __str__(self):
        return f"#{self.process_id} {self.received_on}"


class SamplingDraw(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    period_start = models.DateField(_("抽查期间起"))
    period_end = models.DateField(_("抽查期间止"))
    rule = models.ForeignKey(SamplingRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("抽查规则版本"))
    ratio = models.DecimalField(_("抽查比例"), max_digits=4, decimal_places=3)
    seed = models.CharField(_("随机种子"), max_length=40)
    pool_size = models.PositiveIntegerField(_("样本池数量"))
    drawn_count = models.PositiveIntegerField(_("抽中数量"))
    # [[record_id, township_id, forced_reason|null, carried], ...] sorted by record id
    pool = models.JSONField(_("样本池快照"), default=list)
    composition = models.JSONField(_("抽查构成"), default=dict)
    algorithm = models.CharField(_("抽取算法版本"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("抽取人"),
    )
    created_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抽查批次")
        verbose_name_plural = _("抽查批次")
        ordering = ["-period_start", "county"]
        constraints = [
            models.UniqueConstraint(fields=["county", "period_start"], name="samplingdraw_unique_period"),
        ]

    def __str__(self):
        return f"{self.county} {self.period_start}–{self.period_end}"


class DrawReason(models.TextChoices):
    RANDOM = "random", _("随机抽取")
    STAFF_RELATIVE = "staff_relative", _("近亲属备案（全部抽查）")
    COMPLAINT = "complaint", _("投诉举报（全部抽查）")
    TOWNSHIP_MINIMUM = "township_minimum", _("乡镇保底抽取")


class DrawnCase(models.Model):
    draw = models.ForeignKey(SamplingDraw, on_delete=models.PROTECT, related_name="cases", verbose_name=_("抽查批次"))
    record = models.ForeignKey(
        ApprovalRecord, on_delete=models.PROTECT, related_name="drawn", verbose_name=_("审批记录")
    )
    reason = models.CharField(_("抽取原因"), max_length=32, choices=DrawReason.choices)

    class Meta:
        verbose_name = _("抽中案件")
        verbose_name_plural = _("抽中案件")
        ordering = ["record_id"]
        constraints = [models.UniqueConstraint(fields=["draw", "record"], name="drawncase_unique")]

    def __str__(self):
        return f"{self.draw_id} · {self.record}"


class Finding(models.TextChoices):
    CONFIRMED = "confirmed", _("确认无误")
    CORRECTION = "correction", _("责令纠正")
    REVOKED = "revoked", _("撤销并追回")


class SamplingReviewProcess(CaseFields, Process):
    CASE_PREFIX = "CY"

    drawn_case = models.OneToOneField(
        DrawnCase, on_delete=models.PROTECT, related_name="review", null=True, verbose_name=_("抽中案件")
    )
    finding = models.CharField(_("抽查结论"), max_length=16, choices=Finding.choices, blank=True)
    finding_note = models.TextField(_("抽查意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("抽查人")
    )
    reviewed_at = models.DateTimeField(_("抽查时间"), null=True, blank=True)
    # The date of the finding: a revocation stops the benefit from the next month.
    decided_on = models.DateField(_("结论日期"), null=True, blank=True)
    correction_rounds = models.PositiveSmallIntegerField(_("整改次数"), default=0)

    class Meta:
        verbose_name = _("抽查复核")
        verbose_name_plural = _("抽查复核")
        ordering = ["-created"]

    def __str__(self):
        return self.case_number or f"#{self.pk}"

    @property
    def record(self) -> ApprovalRecord:
        return self.drawn_case.record

    #: The steps whose actor must not have taken part in the approval under review.
    INDEPENDENT_NODES = frozenset({"review", "re_review"})

    def excluded_actor_ids(self, node_name: str) -> set[int]:
        """Whoever acted on the approval (and its approver) never reviews it (domain.md §1)."""
        excluded = super().excluded_actor_ids(node_name)
        if node_name in self.INDEPENDENT_NODES and self.drawn_case_id:
            record = self.drawn_case.record
            excluded |= set(record.actors.values_list("user_id", flat=True))
            excluded.add(record.approved_by_id)
        return excluded

    @classmethod
    def separation_sql(cls, user) -> list[tuple[frozenset[str], models.Q]]:
        """``excluded_actor_ids`` as SQL for the queue and inbox (``separation.excluded_tasks_q``):
        the review steps of a drawn case whose approval ``user`` approved or acted on."""
        took_part = models.Q(drawn_case__record__approved_by=user) | models.Q(drawn_case__record__actors__user=user)
        return [(cls.INDEPENDENT_NODES, took_part)]

    # routing conditions (properties: ``act.process.<name>`` reads the attribute)
    @property
    def is_correction_ordered(self) -> bool:
        return self.finding == Finding.CORRECTION

    @property
    def is_revoked(self) -> bool:
        return self.finding == Finding.REVOKED


class Correction(models.Model):
    review = models.ForeignKey(
        SamplingReviewProcess, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("抽查复核")
    )
    round = models.PositiveSmallIntegerField(_("整改轮次"))
    instructions = models.TextField(_("整改要求"))
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("下达人")
    )
    ordered_at = models.DateTimeField(_("下达时间"), auto_now_add=True)
    due_on = models.DateField(_("整改期限"))
    report = models.TextField(_("整改情况"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("整改完成人"),
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Set once when the deadline passed without the township reporting (escalated to the county).
    escalated_on = models.DateField(_("逾期上报日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["review", "round"]
        constraints = [models.UniqueConstraint(fields=["review", "round"], name="correction_unique_round")]

    def __str__(self):
        return f"{self.review} #{self.round}"


class Recovery(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待追回")
        SETTLED = "settled", _("已追回")

    record = models.OneToOneField(
        ApprovalRecord, on_delete=models.PROTECT, related_name="recovery", verbose_name=_("审批记录")
    )
    review = models.ForeignKey(
        SamplingReviewProcess, on_delete=models.PROTECT, related_name="+", verbose_name=_("抽查复核")
    )
    amount = models.DecimalField(_("应追回金额（元）"), **MONEY)
    months = models.PositiveSmallIntegerField(_("已发放月数"), default=0)
    computed_from = models.DateField(_("计算起始"), null=True, blank=True)
    computed_to = models.DateField(_("计算截止"), null=True, blank=True)
    stop_from = models.DateField(_("停保起始日"), null=True, blank=True)
    reason = models.TextField(_("撤销理由"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("追回记录")
        verbose_name_plural = _("追回记录")
        constraints = [models.CheckConstraint(name="recovery_amount_not_negative", condition=models.Q(amount__gte=0))]

    def __str__(self):
        return f"{self.record} {self.amount}"

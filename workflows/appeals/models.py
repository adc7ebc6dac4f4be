"""Appeals against a decision or change letter (domain.md §8 "Appeals"; SAI 65).

Every decision, refusal and change letter states the household's rights: administrative
reconsideration (行政复议) within 60 days and litigation (行政诉讼) within 6 months of
receiving the letter. An ``Appeal`` is recorded against the letter it contests, with the
deadline computed from the delivery date; its outcome, when overturned, restores the
benefit with arrears (the next payment roll pays the months in between) or obliges the
township to decide again by a due date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core.cases import CaseFields


class AppealKind(models.TextChoices):
    RECONSIDERATION = "reconsideration", _("行政复议（60日内）")
    LITIGATION = "litigation", _("行政诉讼（6个月内）")


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("审理中")
    DECIDED = "decided", _("已有结果")


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("维持原决定")
    DISMISSED = "dismissed", _("驳回申请或起诉")
    WITHDRAWN = "withdrawn", _("申请人撤回")
    OVERTURNED = "overturned", _("撤销原决定")
    REDECIDE = "redecide", _("撤销原决定并责令重新作出决定")
    CHANGED = "changed", _("变更原决定（改定金额）")


#: Outcomes that set the contested decision aside.
SETS_ASIDE = frozenset({Outcome.OVERTURNED, Outcome.REDECIDE, Outcome.CHANGED})


class Appeal(models.Model):
    # Empty for a letter without a case (a migrated benefit's change letter): the letter's
    # household anchors it, and ``case_number`` holds the benefit's reference.
    process = models.ForeignKey(
        "viewflow.Process", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("案件")
    )
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    county = models.ForeignKey("core.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(
        "core.Township", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）")
    )
    letter = models.ForeignKey(
        "documents.CaseDocument", on_delete=models.PROTECT, related_name="+", verbose_name=_("被申请的决定书")
    )
    benefit_change = models.ForeignKey(
        "caseload.BenefitChange",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被申请的保障变更"),
    )
    kind = models.CharField(_("救济途径"), max_length=16, choices=AppealKind.choices)
    body = models.CharField(_("复议机关或人民法院"), max_length=100)
    delivered_on = models.DateField(_("决定书送达日期"))
    filed_on = models.DateField(_("申请（起诉）日期"))
    deadline = models.DateField(_("法定期限截止日"))
    filed_late = models.BooleanField(_("超过法定期限"), default=False)
    claims = models.TextField(_("请求事项和理由"))
    status = models.CharField(_("状态"), max_length=8, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(_("结果日期"), null=True, blank=True)
    outcome_text = models.TextField(_("结果说明"), blank=True)
    redecide_by = models.DateField(_("重新作出决定期限"), null=True, blank=True)
    restored_change = models.ForeignKey(
        "caseload.BenefitChange",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("恢复保障的变更"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行政复议或诉讼")
        verbose_name_plural = _("行政复议和诉讼")
        ordering = ["-filed_on", "-pk"]
        indexes = [models.Index(fields=["township", "status"], name="appeals_township_status")]

    def __str__(self):
        return f"{self.case_number} {self.get_kind_display()}"

    @property
    def sets_aside(self) -> bool:
        return self.outcome in SETS_ASIDE


class RedecisionProcess(CaseFields, Process):
    """The township's new decision after an appeal set a refusal aside with an order to
    decide again (SAI 65; 行政复议法 art. 64). A case of its own, linked to the appeal and
    to the refused case: the refused case stays finished as it was decided (its history is
    evidence), while this task puts the decision before a township approver again, in the
    inbox of the township, with the due date the order set. Its audit rows are written into
    the refused case's chain, so the case history shows refusal, appeal and new decision."""

    CASE_PREFIX = "CX"
    household_field = "household"
    actor_kinds = {"redecide": "approved"}
    process_summary_template = "{{ process.case_number }}"

    appeal = models.OneToOneField(
        Appeal, on_delete=models.PROTECT, related_name="redecision", verbose_name=_("复议或诉讼")
    )
    original = models.ForeignKey(
        "viewflow.Process", on_delete=models.PROTECT, related_name="+", verbose_name=_("被撤销决定的案件")
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭")
    )
    programme = models.CharField(_("救助项目"), max_length=32)
    due_on = models.DateField(_("重新作出决定期限"))
    approved = models.BooleanField(_("重新决定结论"), null=True)
    reasons = models.TextField(_("决定理由"), blank=True)
    monthly_amount = models.DecimalField(_("每月金额"), max_digits=10, decimal_places=2, null=True, blank=True)
    one_off_amount = models.DecimalField(
        _("救助金额"), max_digits=10, decimal_places=2, null=True, blank=True
    )  # a one-off benefit (temporary assistance) approved on re-decision
    decided_on = models.DateField(_("重新决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("重新决定人")
    )
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("原决定人")
    )
    letter = models.ForeignKey(
        "documents.CaseDocument", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("新的决定书")
    )

    class Meta:
        verbose_name = _("撤销后重新决定")
        verbose_name_plural = _("撤销后重新决定")
        ordering = ["-created"]

    def __str__(self):
        return self.case_number or f"#{self.pk}"

    def excluded_actor_ids(self, node_name: str) -> set[int]:
        # Whoever decided the refusal the appeal body set aside (the official the refusal
        # letter was issued in the name of) may not decide again: the order asks for a fresh
        # look, and the first decider would be judging their own overturned decision
        # (domain.md §1).
        excluded = super().excluded_actor_ids(node_name)
        if self.refused_by_id:
            excluded.add(self.refused_by_id)
        return excluded

    @classmethod
    def separation_sql(cls, user) -> list[tuple[frozenset[str], models.Q]]:
        """``excluded_actor_ids`` as SQL for the queue and inbox."""
        return [(frozenset({"redecide"}), models.Q(refused_by=user))]

    def is_approved(self) -> bool:
        return bool(self.approved)

    @property
    def effective_due_on(self):
        """The due date the workspace index shows on the task until it is decided."""
        return None if self.decided_on else self.due_on

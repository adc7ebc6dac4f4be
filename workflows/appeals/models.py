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

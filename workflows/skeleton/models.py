"""The walking skeleton: the smallest case that exercises every pattern.

Start (case worker) -> review (township approver, township-scoped permission)
-> registry_receipt (Handle advanced by a Celery task) -> End.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core.cases import CaseFields


class SkeletonProcess(CaseFields, Process):
    CASE_PREFIX = "SK"
    # Whoever opened the case may not review it (domain.md §1); enforced by
    # the engine through CaseFields.excluded_actor_ids.
    separation_rules = {"review": {"start"}}
    actor_kinds = {"start": "opened", "review": "approved"}

    summary = models.CharField(_("事由"), max_length=200)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    approved = models.BooleanField(_("审核通过"), null=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("审核人")
    )
    receipt = models.CharField(_("登记系统回执号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("样板案件")
        verbose_name_plural = _("样板案件")
        ordering = ["-created"]
        indexes = [models.Index(fields=["township", "case_number"])]

    def __str__(self):
        return self.case_number or f"#{self.pk}"

    def is_approved(self) -> bool:
        return bool(self.approved)

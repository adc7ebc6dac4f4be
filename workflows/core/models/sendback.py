"""``SendBack`` records a 退回 (send back to an earlier step) and its 直达
(the resubmitted case returns straight to the step that sent it back).
Engine feature: see ``workflows.core.sendback``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class SendBack(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("已退回，待重新提交")
        RESUBMITTED = "resubmitted", _("已重新提交，直达退回环节")
        RETURNED = "returned", _("已回到退回环节")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="send_backs", verbose_name=_("案件"))
    from_node = models.CharField(_("退回环节"), max_length=64)
    from_task_id = models.BigIntegerField(_("退回任务"))
    to_node = models.CharField(_("退回至"), max_length=64)
    to_task_id = models.BigIntegerField(_("重办任务"), null=True, blank=True)
    reason = models.TextField(_("退回理由"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("退回人")
    )
    sent_at = models.DateTimeField(_("退回时间"), auto_now_add=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    resubmitted_at = models.DateTimeField(_("重新提交时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("回到退回环节时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退回记录")
        verbose_name_plural = _("退回记录")
        # Created by the workspace app before send-back moved into the engine; the
        # table (and its rows) keep their name.
        db_table = "workspace_sendback"
        indexes = [models.Index(fields=["process", "state"], name="ws_sendback_process_state")]

    def __str__(self) -> str:
        return f"{self.process_id} {self.from_node}→{self.to_node}"

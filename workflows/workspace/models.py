"""The staff workspace's read model.

``CaseIndex`` is one row per case of every flow: the columns the inbox,
queue, archive and county dashboard filter, sort and count on, copied from
the flow's own process table (and its household) by the receivers in
``workflows.workspace.indexing`` whenever the case is saved. Why a read model
and not subqueries over the per-flow tables: see docs/workspace.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

MONEY = {"max_digits": 12, "decimal_places": 2}


class Outcome(models.TextChoices):
    APPROVED = "approved", _("批准")
    REFUSED = "refused", _("不予批准")


class CaseIndex(models.Model):
    process = models.OneToOneField(
        Process, primary_key=True, on_delete=models.CASCADE, related_name="case_index", verbose_name=_("流程")
    )
    flow_label = models.CharField(_("业务"), max_length=64)
    status = models.CharField(_("案件状态"), max_length=50)
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    applicant_name = models.CharField(_("申请人"), max_length=50, blank=True)
    county = models.ForeignKey("core.County", on_delete=models.CASCADE, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(
        "core.Township", on_delete=models.CASCADE, related_name="+", verbose_name=_("乡镇（街道）")
    )
    village = models.ForeignKey(
        "core.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("村（社区）")
    )
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    staff_relative = models.BooleanField(_("近亲属备案"), default=False)
    assist_first_pending = models.BooleanField(_("先行救助待补办"), default=False)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    outcome = models.CharField(_("结论"), max_length=16, choices=Outcome.choices, blank=True)
    amount = models.DecimalField(_("金额（元）"), null=True, blank=True, **MONEY)
    refreshed_at = models.DateTimeField(_("同步时间"), auto_now=True)

    class Meta:
        verbose_name = _("案件索引")
        verbose_name_plural = _("案件索引")
        indexes = [
            models.Index(fields=["township", "status", "due_on"], name="ws_township_status_due"),
            models.Index(fields=["village", "due_on"], name="ws_village_due"),
            models.Index(fields=["case_number"], name="ws_case_number"),
            models.Index(fields=["applicant_name"], name="ws_applicant_name"),
            models.Index(fields=["township", "staff_relative"], name="ws_township_relative"),
            models.Index(fields=["township", "assist_first_pending"], name="ws_township_assist_first"),
            models.Index(fields=["county", "decided_on", "outcome"], name="ws_county_decided"),
            models.Index(fields=["flow_label", "township"], name="ws_flow_township"),
        ]

    def __str__(self):
        return self.case_number or f"#{self.process_id}"

    @property
    def deadline_running(self) -> bool:
        """A deadline still runs: not yet decided, or paid first with the paperwork
        pending (先行救助, TA18 2(2)): that completion deadline is the most urgent one."""
        return self.decided_on is None or self.assist_first_pending

    @staticmethod
    def deadline_running_q(prefix: str = "") -> models.Q:
        """``deadline_running`` in SQL (``prefix``: the path to the index from the queried model)."""
        return models.Q(**{f"{prefix}decided_on__isnull": True}) | models.Q(**{f"{prefix}assist_first_pending": True})


class Notification(models.Model):
    """A staff notification (the nav badge and 消息 page), written by the receivers in
    ``workflows.workspace.notifications`` from the engine's signals."""

    class Kind(models.TextChoices):
        NEW_TASK = "new_task", _("新任务待领取")
        URGED = "urged", _("催办")
        TRANSFERRED = "transferred", _("转办给您")
        OVERDUE = "overdue", _("案件逾期")
        SHARED_CASE = "shared_case", _("本地户籍家庭在外地获急难救助")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    task_id = models.BigIntegerField(_("任务"), null=True, blank=True)
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    # the step's title in the source language; the page translates it
    step_title = models.CharField(_("环节"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        indexes = [models.Index(fields=["user", "read_at"], name="ws_notification_unread")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.case_number}"


class NotificationSettings(models.Model):
    """Per-user opt-out of each channel (no row: both on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="notification_settings"
    )
    in_app = models.BooleanField(_("在工作台显示消息"), default=True)
    email = models.BooleanField(_("发送电子邮件"), default=True)

    class Meta:
        verbose_name = _("消息设置")
        verbose_name_plural = _("消息设置")

    def __str__(self):
        return f"{self.user_id}: in_app={self.in_app} email={self.email}"

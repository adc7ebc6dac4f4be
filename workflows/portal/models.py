"""Applicant-side records: integrating systems, one-time codes, notifications,
the applicant's contact preferences.

Nothing here copies personal data of the household: a notification keeps the
rendered text (which never contains an ID number, see ``notifications``) and
a masked recipient; the recipient's phone and e-mail are read from the
household / preference at send time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IntegrationClient(models.Model):
    """An integrating system (the province's service portal, the 12345 hotline),
    bound to one county. Only the SHA-256 of its key is stored."""

    name = models.CharField(_("名称"), max_length=100)
    county = models.ForeignKey("core.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    token_hash = models.CharField(_("密钥摘要（SHA-256）"), max_length=64, unique=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )

    class Meta:
        verbose_name = _("对接系统")
        verbose_name_plural = _("对接系统")

    def __str__(self):
        return f"{self.name}（{self.county}）"

    # DRF's IsAuthenticated reads ``request.user.is_authenticated``.
    @property
    def is_authenticated(self) -> bool:
        return self.active


class OneTimeCode(models.Model):
    """A one-time code sent to the household's registered phone (hashed, single use)."""

    process_id = models.BigIntegerField(_("案件流程号"), db_index=True)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("一次性验证码")
        verbose_name_plural = _("一次性验证码")

    def __str__(self):
        return f"OTP #{self.pk} ({self.process_id})"


class ApplicantPreference(models.Model):
    """What the applicant chose online: the language of notifications, an e-mail."""

    process_id = models.BigIntegerField(_("案件流程号"), unique=True)
    language = models.CharField(_("通知语言"), max_length=8, choices=settings.LANGUAGES, default="zh-hans")
    email = models.EmailField(_("电子邮箱"), blank=True)

    class Meta:
        verbose_name = _("申请人通知设置")
        verbose_name_plural = _("申请人通知设置")

    def __str__(self):
        return f"{self.process_id} {self.language}"


class Notification(models.Model):
    """One message about one stage of one case on one channel (idempotent: unique
    per case, stage, round and channel)."""

    class Stage(models.TextChoices):
        ACCEPTED = "accepted", _("已受理")
        MATERIALS_MISSING = "materials_missing", _("需补充材料")
        NOTICE_POSTED = "notice_posted", _("公示")
        DECISION = "decision", _("审核确认结果")
        PAYMENT_START = "payment_start", _("开始发放")
        CORRECTION = "correction", _("整改纠正")
        CHECK_FAILED = "check_failed", _("核对未通过")
        TA_ACCEPTED = "ta_accepted", _("临时救助已受理")
        TA_DECISION = "ta_decision", _("临时救助审批结果")
        TA_PAYMENT = "ta_payment", _("临时救助发放")

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        EMAIL = "email", _("电子邮件")

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("无联系方式")

    process_id = models.BigIntegerField(_("案件流程号"), db_index=True)
    case_number = models.CharField(_("案件编号"), max_length=32)
    stage = models.CharField(_("环节"), max_length=24, choices=Stage.choices)
    round = models.PositiveIntegerField(_("轮次"), default=1)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    template_key = models.CharField(_("模板"), max_length=64)
    language = models.CharField(_("语言"), max_length=8)
    recipient_masked = models.CharField(_("收件人（脱敏）"), max_length=64, blank=True)
    body = models.TextField(_("内容"), blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(
                fields=["process_id", "stage", "round", "channel"], name="portal_notification_once_per_stage"
            )
        ]

    def __str__(self):
        return f"{self.case_number} {self.stage}#{self.round} {self.channel}"

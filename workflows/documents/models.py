"""Documents issued on a case (notices, letters, certificates, reports), stored immutably.

A ``CaseDocument`` is written once by ``services.document_issue`` or
``document_store`` and never changed again, except for pointing
``superseded_by`` at its replacement, once. The ``token`` (192 random bits,
URL-safe) is printed as a QR code on letters and opens the public
verification page; the page shows only what the paper already shows, and the
applicant's name masked (张*三).

The row keeps a snapshot of what the verification page needs (case number,
township name, masked name) so that the page never has to read the case or
the household.

A document is anchored on its case (``process_id``) or, for a household whose benefit has
no case behind it (a caseload brought in from the county's former system, issue 17 item 9),
on the ``household``: exactly one of the two is set. The snapshot is the same either way.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

ERR_IMMUTABLE = _("已出具的文书不能修改或删除；如需更正，请出具新文书并标记原文书已作废。")

TOKEN_BYTES = 24  # 192 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def document_upload_to(instance: CaseDocument, filename: str) -> str:
    # A random directory per file: paths cannot be guessed even where media is served.
    anchor = instance.process_id if instance.process_id is not None else f"h{instance.household_id}"
    return f"case-documents/{anchor}/{secrets.token_hex(16)}/{get_valid_filename(filename)}"


def mask_name(name: str) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*, 欧阳娜娜 -> 欧**娜."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


class CaseDocument(models.Model):
    class Kind(models.TextChoices):
        PUBLIC_NOTICE = "public_notice", _("公示")
        APPROVAL_LETTER = "approval_letter", _("审核确认通知书")
        REFUSAL_LETTER = "refusal_letter", _("不予确认决定书")
        CERTIFICATE = "certificate", _("救助证")
        TA_DECISION = "ta_decision", _("临时救助决定书")
        BENEFIT_CHANGE = "benefit_change", _("保障变更决定书")
        SAMPLING_REPORT = "sampling_report", _("抽查报告")
        CASE_FILE = "case_file", _("案卷")
        OTHER = "other", _("其他文书")

    process_id = models.BigIntegerField(_("案件流程号"), null=True, blank=True, db_index=True)
    # A letter on a benefit without a case (migrated caseload): its household instead.
    household = models.ForeignKey(
        "households.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("保障家庭"),
    )
    kind = models.CharField(_("文书类别"), max_length=32, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=document_upload_to, max_length=255)
    filename = models.CharField(_("文件名"), max_length=150)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("字节数"))
    token = models.CharField(_("核验码"), max_length=64, unique=True, default=new_token, editable=False)
    verifiable = models.BooleanField(_("带核验二维码"), default=False)
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    township_name = models.CharField(_("出具机关（乡镇）"), max_length=100, blank=True)
    holder_masked = models.CharField(_("当事人（脱敏）"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("出具时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("出具人"),
    )
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
        verbose_name=_("被替代为"),
    )

    class Meta:
        verbose_name = _("案件文书")
        verbose_name_plural = _("案件文书")
        ordering = ["process_id", "created_at", "pk"]
        indexes = [models.Index(fields=["process_id", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(process_id__isnull=False, household__isnull=True)
                | models.Q(process_id__isnull=True, household__isnull=False),
                name="documents_one_anchor",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.case_number or self.process_id or self.household_id} #{self.pk}"

    def save(self, *args, **kwargs):
        """Insert freely; afterwards only ``superseded_by`` may be set, once."""
        if self._state.adding:
            return super().save(*args, **kwargs)
        stored = type(self).objects.filter(pk=self.pk).first()
        if stored is None or stored.superseded_by_id is not None or self.superseded_by_id is None:
            raise PermissionError(str(ERR_IMMUTABLE))
        for field in self._meta.concrete_fields:
            if field.name == "superseded_by":
                continue
            if field.value_from_object(stored) != field.value_from_object(self):
                raise PermissionError(str(ERR_IMMUTABLE))
        kwargs["update_fields"] = ["superseded_by"]
        return super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("documents:download", kwargs={"pk": self.pk})

    def delete(self, *args, **kwargs):
        raise PermissionError(str(ERR_IMMUTABLE))

    @property
    def is_superseded(self) -> bool:
        return self.superseded_by_id is not None

    def verification_path(self) -> str:
        return reverse("documents:verify", kwargs={"token": self.token})


class PendingDocument(models.Model):
    """A document the case asked for, rendered after the asking transaction commits.

    Services record the request (``services.document_request``) in their own transaction;
    the Celery job ``tasks.render_document`` renders the PDF outside it, stores the
    ``CaseDocument`` and marks the row ``rendered``. A render that keeps failing is marked
    ``failed`` after ``settings.DOCUMENT_RENDER_ATTEMPTS`` attempts and is listed for the
    office (workspace "文书生成失败"), which can ask again. The decision that asked for the
    document is never undone by a failed PDF.

    ``renderer`` names an entry of ``workflows.documents.rendering.RENDERERS`` (registered by
    the programme that owns the document); ``params`` are its arguments (pks only: no names,
    no personal data).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("正在生成")
        RENDERED = "rendered", _("已生成")
        FAILED = "failed", _("生成失败")

    process_id = models.BigIntegerField(_("案件流程号"), db_index=True)
    kind = models.CharField(_("文书类别"), max_length=32, choices=CaseDocument.Kind.choices)
    filename = models.CharField(_("文件名"), max_length=150)
    renderer = models.CharField(_("生成方式"), max_length=64)
    params = models.JSONField(_("生成参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    last_error = models.CharField(_("最近一次错误"), max_length=200, blank=True)
    document = models.OneToOneField(
        CaseDocument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="request",
        verbose_name=_("生成的文书"),
    )
    created_at = models.DateTimeField(_("申请生成时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("最近更新时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("出具人"),
    )

    class Meta:
        verbose_name = _("待生成文书")
        verbose_name_plural = _("待生成文书")
        ordering = ["process_id", "created_at", "pk"]
        indexes = [models.Index(fields=["status", "updated_at"], name="documents_pending_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_status_display()}"

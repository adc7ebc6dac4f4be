"""Append-only audit log with a hash chain per subject (Zulip-style: one row
per state change, written by the service in the same transaction).

Each event belongs to a *chain* ("case:<process pk>", "fund:<pk>",
"config:<model>", ...). ``seq`` numbers the chain and ``prev_hash`` links to
the previous event's ``hash``, so an edited or deleted row breaks the chain
(see ``workflows.core.audit.verify_chain``). ``AuditChainHead`` is the row a
writer locks to append, which serialises concurrent appends to one chain.
"""

from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_M = TypeVar("_M", bound=models.Model)

ERR_APPEND_ONLY = _("审计记录只能追加，不能修改或删除。")


class _FlushFirstManager(models.Manager[_M]):
    """Every read of the audit tables first writes the events the current transaction has
    buffered (``workflows.core.audit.flush_pending``), so it sees them."""

    def get_queryset(self) -> models.QuerySet[_M]:
        from workflows.core.audit import flush_pending

        flush_pending(self.db)
        return super().get_queryset()


class AuditChainHead(models.Model):
    chain = models.CharField(_("链"), max_length=64, primary_key=True)
    seq = models.PositiveBigIntegerField(_("最新序号"), default=0)
    hash = models.CharField(_("最新哈希"), max_length=64, blank=True)

    objects = _FlushFirstManager()

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq}"


class AuditEvent(models.Model):
    chain = models.CharField(_("链"), max_length=64)
    seq = models.PositiveBigIntegerField(_("序号"))
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代理谁"),
    )
    action = models.CharField(_("动作"), max_length=64)
    target_type = models.CharField(_("对象类型"), max_length=100)
    target_id = models.CharField(_("对象编号"), max_length=64)
    process_id = models.BigIntegerField(_("案件流程号"), null=True, blank=True, db_index=True)
    changes = models.JSONField(_("变更（旧值→新值）"), default=dict, blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一哈希"), max_length=64, blank=True)
    hash = models.CharField(_("哈希"), max_length=64)

    objects = _FlushFirstManager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="auditevent_chain_seq_unique")]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError(str(ERR_APPEND_ONLY))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(str(ERR_APPEND_ONLY))

    @property
    def pk(self) -> int | None:
        """The row id; an event still buffered by ``audit_record`` is written first."""
        if self.id is None and self.__dict__.get("_audit_buffered"):
            from workflows.core.audit import flush_pending

            flush_pending(self._state.db)
        return self.id

    @pk.setter
    def pk(self, value: int | None) -> None:
        self.id = value

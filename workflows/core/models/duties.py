"""Separation of duties and stand-ins (domain.md §1).

- ``CaseActorRecord``: who finished which human step of which case. Written by
  ``workflows.core.separation`` when a task finishes (same transaction), read
  by the per-flow separation rules and by the sampling draw.
- ``StaffProfile`` / ``StaffRelative``: the acting user's own ID number and
  their declared near relatives; nobody acts on a case whose household
  contains either.
- ``SeparationRule``: the declared rules of every flow as rows, for the queue's SQL.
- ``StandIn`` (代理): a township approver hands their queue to a colleague of
  the same township for a date range.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.core.id_numbers import validate_id_number

from .regions import Township


class CaseActorRecord(models.Model):
    class Kind(models.TextChoices):
        OPENED = "opened", _("登记")
        INVESTIGATED = "investigated", _("调查")
        PROPOSED = "proposed", _("提出意见")
        SIGNED = "signed", _("签署")
        APPROVED = "approved", _("审批")
        REVIEWED = "reviewed", _("抽查复核")
        ACTED = "acted", _("办理")

    process_id = models.BigIntegerField(_("案件流程号"), db_index=True)
    node_name = models.CharField(_("环节"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理人")
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代理谁"),
    )
    role_kind = models.CharField(_("办理性质"), max_length=16, choices=Kind.choices, default=Kind.ACTED)
    task_id = models.BigIntegerField(_("任务号"), unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件办理记录")
        verbose_name_plural = _("案件办理记录")
        indexes = [
            models.Index(fields=["process_id", "user", "node_name"]),
            models.Index(fields=["process_id", "on_behalf_of", "node_name"]),
        ]

    def __str__(self) -> str:
        return f"#{self.process_id} {self.node_name} · {self.user_id}"


class SeparationRule(models.Model):
    """A declared separation rule as a row: whoever finished ``excluded_node`` of a case may not
    act on its task ``flow_task`` (viewflow's stored node reference). Written from the process
    models' ``separation_rules`` after every migrate (``separation.sync_rule_table``; the
    ``core.W120`` check warns when they differ), so that the queue and inbox test every rule
    with one fixed-size ``EXISTS`` against this table, whatever the number of programmes."""

    flow_task = models.CharField(_("环节"), max_length=255)
    excluded_node = models.CharField(_("需回避的环节"), max_length=64)

    class Meta:
        verbose_name = _("职责分离规则")
        verbose_name_plural = _("职责分离规则")
        constraints = [
            models.UniqueConstraint(fields=["flow_task", "excluded_node"], name="core_separationrule_task_node"),
        ]

    def __str__(self) -> str:
        return f"{self.flow_task} ← {self.excluded_node}"


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile", verbose_name=_("用户")
    )
    id_number = models.CharField(
        _("身份证号码"), max_length=18, blank=True, db_index=True, validators=[validate_id_number]
    )

    class Meta:
        verbose_name = _("工作人员档案")
        verbose_name_plural = _("工作人员档案")

    def __str__(self) -> str:
        return str(self.user)


class StaffRelative(models.Model):
    """A near relative a staff member declared (近亲属备案, MSL 20)."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("配偶")
        PARENT = "parent", _("父母")
        CHILD = "child", _("子女")
        SIBLING = "sibling", _("兄弟姐妹")
        GRANDPARENT = "grandparent", _("祖父母、外祖父母")
        GRANDCHILD = "grandchild", _("孙子女、外孙子女")
        OTHER = "other", _("其他近亲属")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="declared_relatives",
        verbose_name=_("工作人员"),
    )
    id_number = models.CharField(_("亲属身份证号码"), max_length=18, db_index=True, validators=[validate_id_number])
    relation = models.CharField(_("关系"), max_length=16, choices=Relation.choices)
    declared_at = models.DateTimeField(_("备案时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("近亲属备案")
        verbose_name_plural = _("近亲属备案")
        constraints = [models.UniqueConstraint(fields=["user", "id_number"], name="staffrelative_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_relation_display()}"


class StandInQuerySet(models.QuerySet["StandIn"]):
    def active_on(self, day: datetime.date) -> "StandInQuerySet":
        return self.filter(revoked_at__isnull=True, start_date__lte=day, end_date__gte=day)


class StandIn(models.Model):
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stand_ins_given", verbose_name=_("被代理人")
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stand_ins_taken", verbose_name=_("代理人")
    )
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）"))
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = StandInQuerySet.as_manager()

    class Meta:
        verbose_name = _("代理审批")
        verbose_name_plural = _("代理审批")
        indexes = [models.Index(fields=["deputy", "revoked_at", "start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(
                name="standin_dates_ordered", condition=models.Q(end_date__gte=models.F("start_date"))
            ),
            models.CheckConstraint(name="standin_not_self", condition=~models.Q(deputy=models.F("principal"))),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} → {self.principal} ({self.start_date}–{self.end_date})"

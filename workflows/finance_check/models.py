"""The economic-status check (家庭经济状况核对) as its own process, and its evidence.

A ``FinanceCheckProcess`` is started by the dibao, 特困 or temporary-assistance
case that needs it (``case_ref``) and runs one query per registry (MSL 17).
Every query leaves one ``RegistryEvidence`` row, written once when the query
reached its final state and never changed afterwards; a source the case worker
had to document by hand gets a second, ``manual`` row. A re-run is a new
process: old evidence stays exactly as it was.

Each query's evidence records the authorisations (核对授权书, MSL 9) it ran under:
which member signed, when, and for what. A query is made only while every adult
member's authorisation is in force; when one is withdrawn the check stops querying
(``halted_at``) and says so on the requesting case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core import programmes
from workflows.core.cases import CaseFields
from workflows.core.models import AssetLimit, DibaoStandard
from workflows.core.models.rules import Area
from workflows.households.models import Household, HouseholdMember

from .sources import Source

ERR_EVIDENCE_IMMUTABLE = _("核对证据一经保存不能修改或删除；如需重新核对，请发起新的核对。")


class Outcome(models.TextChoices):
    PENDING = "", _("核对中")
    ELIGIBLE = "eligible", _("符合条件")
    NOT_ELIGIBLE = "not_eligible", _("不符合条件")
    NEEDS_REVIEW = "needs_review", _("需人工复核")


class FinanceCheckProcess(CaseFields, Process):
    CASE_PREFIX = "HD"

    Outcome = Outcome

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="finance_checks", verbose_name=_("家庭")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    purpose = models.CharField(_("核对用途"), max_length=24, choices=programmes.all_choices)
    spending_shock = models.BooleanField(_("支出型临时救助"), default=False)
    # 单人户 (domain.md §8): the member asked to be assessed alone, if any.
    single_person_member = models.ForeignKey(
        HouseholdMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请参照单人户的成员"),
    )
    case_ref = models.CharField(_("来源案件"), max_length=64, db_index=True)
    area = models.CharField(_("城乡"), max_length=8, choices=Area.choices)
    check_date = models.DateField(_("核对日期"))
    standard = models.ForeignKey(
        DibaoStandard, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用低保标准")
    )
    asset_limit = models.ForeignKey(
        AssetLimit, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用财产限额")
    )
    sources = models.JSONField(_("核对数据源"), default=list)
    result = models.JSONField(_("认定结果"), null=True, blank=True)
    outcome = models.CharField(
        _("核对结论"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING, blank=True
    )
    evaluated_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    # Set when an adult member's authorisation was withdrawn: no query is made until
    # every adult's authorisation is in force again (MSL 9).
    halted_at = models.DateTimeField(_("因授权撤回停止查询时间"), null=True, blank=True)
    halted_members = models.JSONField(_("撤回或缺少授权的成员"), default=list, blank=True)

    class Meta:
        verbose_name = _("家庭经济状况核对")
        verbose_name_plural = _("家庭经济状况核对")
        ordering = ["-created"]
        indexes = [models.Index(fields=["township", "outcome"])]

    def __str__(self):
        return self.case_number or f"#{self.pk}"


class EvidenceStatus(models.TextChoices):
    OK = "ok", _("已核对")
    UNAVAILABLE = "unavailable", _("无法核对")
    MANUAL = "manual", _("人工补充材料")


class RegistryEvidence(models.Model):
    """One registry query's outcome, or one hand-entered document (immutable)."""

    Status = EvidenceStatus

    check_process = models.ForeignKey(
        FinanceCheckProcess, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("核对")
    )
    source = models.CharField(_("数据源"), max_length=32, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=16, choices=EvidenceStatus.choices)
    attempts = models.PositiveSmallIntegerField(_("查询次数"), default=0)
    endpoint = models.CharField(_("接口地址"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("请求时间"), null=True, blank=True)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP 状态码"), null=True, blank=True)
    normalised = models.JSONField(_("标准化结果"), default=dict, blank=True)
    raw_sha256 = models.CharField(_("原始响应 SHA-256"), max_length=64, blank=True)
    raw_response = models.TextField(_("原始响应"), blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    note = models.TextField(_("材料说明"), blank=True)
    # The authorisations in force when the query ran: [{"consent", "member", "signed_on",
    # "recorded_at", "scope"}], one per adult member (MSL 9). Written with the row, never changed.
    authorisations = models.JSONField(_("所依据的核对授权"), default=list, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("核对证据")
        verbose_name_plural = _("核对证据")
        ordering = ["check_process", "source", "created_at"]
        constraints = [
            # One query result per source per check: a redelivered task can
            # never add a second row (the insert fails and the task skips).
            models.UniqueConstraint(
                fields=["check_process", "source"],
                condition=~models.Q(status="manual"),
                name="evidence_one_query_per_source",
            ),
            models.UniqueConstraint(
                fields=["check_process", "source"],
                condition=models.Q(status="manual"),
                name="evidence_one_manual_per_source",
            ),
        ]

    def __str__(self):
        return f"{self.check_process_id} {self.source} {self.status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(str(ERR_EVIDENCE_IMMUTABLE))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(str(ERR_EVIDENCE_IMMUTABLE))

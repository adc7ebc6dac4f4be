"""The records of the review: home visits, public notices and objections, appraisals,
check objections and overdue alerts."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import MONEY, USER, DeadlineKind, _user_fk
from .process import DibaoProcess


class HomeVisit(models.Model):
    """入户调查 record: at least two investigators, signed by family members present (MSL 16)."""

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="home_visits", verbose_name=_("案件")
    )
    investigator_1 = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("调查人一"))
    investigator_2 = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("调查人二"))
    visited_on = models.DateField(_("调查日期"))
    findings = models.TextField(_("调查情况"))
    family_signatories = models.CharField(_("在场家庭成员签字"), max_length=200)
    is_county = models.BooleanField(_("县级入户核查"), default=False)
    is_reinvestigation = models.BooleanField(_("异议后重新调查"), default=False)
    recorded_by = _user_fk(_("录入人"))
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("入户调查记录")
        verbose_name_plural = _("入户调查记录")
        constraints = [
            models.CheckConstraint(
                name="homevisit_two_distinct_investigators",
                condition=~models.Q(investigator_1=models.F("investigator_2")),
            )
        ]

    def __str__(self):
        return f"{self.process} {self.visited_on}"


class NoticeRound(models.Model):
    """One 7-day public notice (MSL 19, TK 15); the token opens the public objection form."""

    process = models.ForeignKey(DibaoProcess, on_delete=models.CASCADE, related_name="notices", verbose_name=_("案件"))
    round = models.PositiveSmallIntegerField(_("轮次"))
    token = models.CharField(_("公示码"), max_length=43, unique=True)
    posted_at = models.DateTimeField(_("张贴时间"))
    ends_at = models.DateTimeField(_("公示期满"))
    # None for a recognition without cash (低收入家庭认定, LB24): its notice shows no amount
    proposed_amount = models.DecimalField(_("拟保障金额（元/月）"), null=True, blank=True, **MONEY)
    document_id = models.PositiveBigIntegerField(_("公示文书"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        constraints = [models.UniqueConstraint(fields=["process", "round"], name="notice_unique_round")]

    def __str__(self):
        return f"{self.process} 第{self.round}轮公示"

    def is_open(self, at: datetime.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.posted_at <= at < self.ends_at


class Objection(models.Model):
    """An objection to a notice, by anyone, anonymous included (MSL 19)."""

    notice = models.ForeignKey(NoticeRound, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示"))
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    anonymous = models.BooleanField(_("匿名"), default=False)
    name = models.CharField(_("异议人"), max_length=50, blank=True)
    contact = models.CharField(_("联系方式"), max_length=50, blank=True)
    content = models.TextField(_("异议内容"))
    recorded_by = _user_fk(_("登记人"))
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self):
        return f"{self.notice} 异议 {self.received_at:%Y-%m-%d}"


class DemocraticAppraisal(models.Model):
    """民主评议 held on an objection (MSL 19; ZB20 24)."""

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="appraisals", verbose_name=_("案件")
    )
    notice_round = models.PositiveSmallIntegerField(_("公示轮次"))
    held_on = models.DateField(_("评议日期"))
    participants = models.PositiveSmallIntegerField(_("参加人数"))
    votes_for = models.PositiveSmallIntegerField(_("同意票"))
    votes_against = models.PositiveSmallIntegerField(_("反对票"))
    conclusion = models.TextField(_("评议结论"))
    recorded_by = _user_fk(_("录入人"))

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")

    def __str__(self):
        return f"{self.process} 评议 {self.held_on}"


class CheckObjection(models.Model):
    """The applicant's objection to a failed data check, with evidence (MSL 18): it starts a
    new check; the old check and its evidence stay as they were."""

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="check_objections", verbose_name=_("案件")
    )
    statement = models.TextField(_("异议理由"))
    evidence = models.FileField(_("证明材料"), upload_to="dibao/check_objections/%Y/%m/")
    old_check_id = models.PositiveBigIntegerField(_("原核对编号"))
    new_check_id = models.PositiveBigIntegerField(_("复查核对编号"))
    recorded_by = _user_fk(_("登记人"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("核对结果异议")
        verbose_name_plural = _("核对结果异议")

    def __str__(self):
        return f"{self.process} {self.old_check_id}→{self.new_check_id}"


class OverdueAlert(models.Model):
    """A case past its deadline, shown to the township approver and the county."""

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="overdue_alerts", verbose_name=_("案件")
    )
    township = models.ForeignKey(
        "core.Township", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）")
    )
    kind = models.CharField(_("期限类别"), max_length=16, choices=DeadlineKind.choices, default=DeadlineKind.DECISION)
    due_on = models.DateField(_("办理期限"))
    raised_on = models.DateField(_("提醒日期"))
    working_days_overdue = models.PositiveSmallIntegerField(_("逾期工作日"))

    class Meta:
        verbose_name = _("逾期提醒")
        verbose_name_plural = _("逾期提醒")
        constraints = [
            models.UniqueConstraint(fields=["process", "kind", "due_on"], name="overdue_unique_per_kind_due")
        ]
        indexes = [models.Index(fields=["township", "raised_on"])]

    def __str__(self):
        return f"{self.process} {self.due_on}"

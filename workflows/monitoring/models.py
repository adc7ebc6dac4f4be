"""Dynamic monitoring (动态监测、主动发现, LI23; domain.md §8).

Other departments' data (a death, a hospitalisation with large medical bills, a new
disability certificate, an unemployment registration, school aid, a recipient household's
income falling) and reports by village or township staff are checked against the
registered population. Each one that names a registered person becomes a ``Signal``
(预警信息) on its township's monitoring list, due within a county-configured number of
working days per kind (``MonitoringRule``); the township handles it by opening a case, a
referral to another department, a death re-check, or a dismissal with its reason.

An ID number that matches nobody registered is an ``UnmatchedSignal``: a separate table
for the county only, so no township query can ever show a person outside its books.

Deaths come in through the department upload (source 公安部门), not by a periodic pull from
the household-registration adapter (``finance_check/adapters/household_registration.py``):
that registry answers a per-person status query made under a family's signed check
authorisation (MSL 9) and returns no date of death and no feed of changes, so polling it for
the whole registered population would be a bulk personal-data query without consent and
would still not say when the person died.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.id_numbers import mask_id_number
from workflows.core.models import County, Township, Village
from workflows.core.models.rules import RuleVersion


class SignalKind(models.TextChoices):
    DEATH = "death", _("死亡")
    HOSPITALISATION = "hospitalisation", _("住院大额医疗费用")
    DISABILITY = "disability", _("新办残疾证")
    UNEMPLOYMENT = "unemployment", _("失业登记")
    SCHOOL_AID = "school_aid", _("教育资助")
    INCOME_FALL = "income_fall", _("收入下降")
    VILLAGE_REPORT = "village_report", _("村级报告")


class SignalSource(models.TextChoices):
    """Where a signal came from: a department's data (batch upload or registry) or a person."""

    PUBLIC_SECURITY = "public_security", _("公安部门（户籍）")
    HEALTH_INSURANCE = "health_insurance", _("医保部门")
    DISABLED_FEDERATION = "disabled_federation", _("残联")
    HUMAN_RESOURCES = "human_resources", _("人社部门")
    EDUCATION = "education", _("教育部门")
    CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
    STAFF = "staff", _("工作人员报告")


#: Sources a department batch file may name (a person's report comes through the form).
DEPARTMENT_SOURCES = tuple(s for s in SignalSource if s != SignalSource.STAFF)


class MonitoringRule(RuleVersion):
    """Working days a township has to handle a signal, per kind (LI23: 快速响应), versioned by
    effective date like every county rule. Without a version in force the defaults apply
    (``for_county``): 3 working days for a death, 10 for anything else."""

    death_days = models.PositiveSmallIntegerField(
        _("死亡信息处置时限（工作日）"), default=3, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    hospitalisation_days = models.PositiveSmallIntegerField(
        _("住院大额医疗费用处置时限（工作日）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    disability_days = models.PositiveSmallIntegerField(
        _("新办残疾证处置时限（工作日）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    unemployment_days = models.PositiveSmallIntegerField(
        _("失业登记处置时限（工作日）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    school_aid_days = models.PositiveSmallIntegerField(
        _("教育资助处置时限（工作日）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    income_fall_days = models.PositiveSmallIntegerField(
        _("收入下降处置时限（工作日）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    village_report_days = models.PositiveSmallIntegerField(
        _("村级报告处置时限（工作日）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )

    class Meta(RuleVersion.Meta):
        verbose_name = _("动态监测处置时限")
        verbose_name_plural = _("动态监测处置时限")
        constraints = [
            models.UniqueConstraint(fields=["county", "effective_from"], name="monitoringrule_unique_version")
        ]

    def __str__(self):
        return f"{self.county} ({self.effective_from})"

    @classmethod
    def for_county(cls, county_id: int, on: datetime.date) -> MonitoringRule:
        """The version in force on ``on``, or the defaults (unsaved) when none is."""
        row = cls.objects.filter(county_id=county_id, effective_from__lte=on).order_by("-effective_from", "-pk").first()
        return row or cls(county_id=county_id, effective_from=on)

    def days_for(self, kind: str) -> int:
        return int(getattr(self, f"{SignalKind(kind).value}_days"))


class Reported(models.Model):
    """What a department or a person reported, matched or not."""

    kind = models.CharField(_("预警类别"), max_length=16, choices=SignalKind.choices)
    source = models.CharField(_("信息来源"), max_length=24, choices=SignalSource.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("报告人/录入人"),
    )  # fmt: skip
    id_number = models.CharField(_("身份证号码"), max_length=18)
    person_name = models.CharField(_("姓名"), max_length=50, blank=True)
    occurred_on = models.DateField(_("发生日期"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    details = models.TextField(_("情况说明"), blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))

    class Meta:
        abstract = True

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)


class Signal(Reported):
    class Status(models.TextChoices):
        OPEN = "open", _("待处置")
        HANDLED = "handled", _("已处置")
        DISMISSED = "dismissed", _("无需处置")

    class Handling(models.TextChoices):
        CASE = "case", _("主动受理救助申请")
        RECHECK = "recheck", _("启动在保家庭复核")
        REFERRAL = "referral", _("转介其他部门")
        DISMISSAL = "dismissal", _("经核实无需处置")

    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭")
    )
    member = models.ForeignKey(
        "households.HouseholdMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭成员")
    )
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）"))
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）"))
    due_on = models.DateField(_("处置期限"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    handling = models.CharField(_("处置方式"), max_length=16, choices=Handling.choices, blank=True)
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("处置人"),
    )  # fmt: skip
    case = models.ForeignKey(
        "viewflow.Process", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("受理的案件"),
    )  # fmt: skip
    case_ref = models.CharField(_("案件编号"), max_length=32, blank=True)
    referral = models.ForeignKey(
        "cooperation.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("部门转介"),
    )  # fmt: skip
    reason = models.TextField(_("处置说明"), blank=True)
    overdue_raised_on = models.DateField(_("逾期预警日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("预警信息")
        verbose_name_plural = _("预警信息")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["township", "status", "due_on"], name="monitoring_township_due"),
            models.Index(fields=["county", "status", "due_on"], name="monitoring_county_due"),
            models.Index(fields=["status", "overdue_raised_on", "due_on"], name="monitoring_overdue"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.township} · {self.due_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())


class UnmatchedSignal(Reported):
    """An ID number not found in the registered population: for the county to look into
    (a person not yet known to the township may need help), never listed for a township."""

    class Meta:
        verbose_name = _("未匹配预警信息")
        verbose_name_plural = _("未匹配预警信息")
        ordering = ["-received_at", "pk"]
        indexes = [models.Index(fields=["county", "received_at"], name="monitoring_unmatched_county")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.county} · {self.masked_id}"

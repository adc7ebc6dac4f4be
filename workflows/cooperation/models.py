"""One window, joint handling (一门受理、协同办理, SAI 60) and case conferences (个案会商).

- ``Referral``: the township window refers a household of a case (any programme: dibao,
  特困, temporary assistance) to another department's special assistance, with the need,
  a due date in working days, and the department's answer once it comes back.
- ``Conference``: a case conference on a complex emergency (急难型 temporary assistance
  above the township limit, or with several needs): date, departments and persons present,
  decision; ``ConferenceAction``: its follow-ups, each with an owner, a due date, closable.

A case is linked generically, like documents and sampling do: the viewflow ``Process`` row
(any flow) and its case number, with the case's regions copied onto the row because every
list and permission check filters on them (domain.md §1, region isolation).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core.models import County, Township, Village
from workflows.households.models import Household


class Department(models.TextChoices):
    """The special assistance a family may be referred to (SAI 60; domain.md §8)."""

    MEDICAL = "medical", _("医疗救助")
    HOUSING = "housing", _("住房救助")
    EDUCATION = "education", _("教育救助")
    EMPLOYMENT = "employment", _("就业救助")
    JUDICIAL = "judicial", _("司法救助")


class Participant(models.TextChoices):
    """Departments that may sit in a case conference: civil affairs and the special-assistance ones."""

    CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
    MEDICAL = "medical", _("医保部门")
    HOUSING = "housing", _("住建部门")
    EDUCATION = "education", _("教育部门")
    EMPLOYMENT = "employment", _("人社部门")
    JUDICIAL = "judicial", _("司法部门")
    HEALTH = "health", _("卫生健康部门")
    VILLAGE = "village", _("村（居）民委员会")
    OTHER = "other", _("其他单位")


class Need(models.TextChoices):
    """What an emergency household needs; two or more make a case for a conference."""

    BASIC_LIVING = "basic_living", _("基本生活")
    MEDICAL = "medical", _("医疗")
    HOUSING = "housing", _("住房")
    EDUCATION = "education", _("教育")
    EMPLOYMENT = "employment", _("就业")
    JUDICIAL = "judicial", _("法律援助")
    CARE = "care", _("照料护理")


class ChoiceListField(models.JSONField):
    """A list of codes of one ``TextChoices``; ``item_choices`` lets the history replay and the
    pages show each code in words (``workflows/history/display.py``)."""

    def __init__(self, *args, item_choices=None, **kwargs):
        self.item_choices = list(item_choices or [])
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # display only: the column is plain JSON whatever the labels
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("item_choices", None)
        return name, path, args, kwargs


def labels_of(field_choices, codes) -> list[str]:
    words = dict(field_choices)
    return [str(words.get(code, code)) for code in codes or []]


class CaseLink(models.Model):
    """The case a record belongs to, and its regions (set once, from the case)."""

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="+", verbose_name=_("案件"))
    case_ref = models.CharField(_("案件编号"), max_length=32)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）"))
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）"))

    class Meta:
        abstract = True


class Referral(CaseLink):
    class Status(models.TextChoices):
        OPEN = "open", _("待部门答复")
        ANSWERED = "answered", _("部门已答复")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("已给予救助")
        IN_PROGRESS = "in_progress", _("已受理，正在办理")
        NOT_ELIGIBLE = "not_eligible", _("不符合条件")
        OTHER = "other", _("其他")

    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭")
    )
    department = models.CharField(_("转介事项"), max_length=16, choices=Department.choices)
    need = models.TextField(_("需要的帮助"))
    referred_on = models.DateField(_("转介日期"))
    due_on = models.DateField(_("答复期限"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("转介人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    answered_by = models.CharField(_("部门答复人"), max_length=64, blank=True)
    answered_on = models.DateField(_("部门答复日期"), null=True, blank=True)
    outcome = models.CharField(_("答复结果"), max_length=16, choices=Outcome.choices, blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    answer_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("答复登记人"),
    )

    class Meta:
        verbose_name = _("部门转介")
        verbose_name_plural = _("部门转介")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["township", "status", "due_on"]),
            models.Index(fields=["county", "status", "due_on"]),
            models.Index(fields=["process", "created_at"]),
        ]

    def __str__(self):
        return f"{self.get_department_display()} · {self.case_ref}"

    def is_overdue(self, today=None) -> bool:
        return self.status == self.Status.OPEN and self.due_on < (today or timezone.localdate())


class Conference(CaseLink):
    held_on = models.DateField(_("会商日期"))
    departments = ChoiceListField(_("参会部门"), item_choices=Participant.choices)
    participants = models.TextField(_("参会人员"))
    needs = ChoiceListField(_("困难需求"), item_choices=Need.choices)
    above_limit = models.BooleanField(_("申请金额超过乡镇审批限额"), default=False)
    decision = models.TextField(_("会商决定"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("个案会商")
        verbose_name_plural = _("个案会商")
        ordering = ["held_on", "pk"]
        indexes = [models.Index(fields=["process", "held_on"]), models.Index(fields=["county", "held_on"])]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} · {self.case_ref}"

    def department_labels(self) -> list[str]:
        return labels_of(Participant.choices, self.departments)

    def need_labels(self) -> list[str]:
        return labels_of(Need.choices, self.needs)


class ConferenceAction(models.Model):
    conference = models.ForeignKey(
        Conference, on_delete=models.PROTECT, related_name="actions", verbose_name=_("个案会商")
    )
    description = models.TextField(_("后续事项"))
    owner = models.CharField(_("责任单位/责任人"), max_length=100)
    due_on = models.DateField(_("完成期限"))
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    closing_note = models.TextField(_("办结情况"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("办结登记人"),
    )

    class Meta:
        verbose_name = _("会商后续事项")
        verbose_name_plural = _("会商后续事项")
        ordering = ["due_on", "pk"]

    def __str__(self):
        return f"{self.owner} · {self.due_on:%Y-%m-%d}"

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def is_overdue(self, today=None) -> bool:
        return not self.is_closed and self.due_on < (today or timezone.localdate())

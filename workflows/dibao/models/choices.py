"""The vocabulary of a dibao / 特困 case: its choices, deadlines and the 特困 intake rule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.programmes import Programme

MONEY = {"max_digits": 12, "decimal_places": 2}
USER = settings.AUTH_USER_MODEL


def _user_fk(verbose_name, related_name="+"):
    return models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name=related_name, verbose_name=verbose_name
    )


def tekun_criteria_met(*, no_work_ability, no_income, no_supporter) -> bool:
    """TK 4-8: a 特困 person has no work ability, no income source and no supporter able to
    support them, all three (the rule is the 特困 spec's intake criteria)."""
    return programmes.spec(Programme.TEKUN).intake.met(
        no_work_ability=no_work_ability, no_income=no_income, no_supporter=no_supporter
    )


class Channel(models.TextChoices):
    ONLINE = "online", _("申请人网上申请")
    PAPER_CASE_WORKER = "paper_case_worker", _("乡镇窗口书面申请（经办人录入）")
    PAPER_VILLAGE_ASSISTANT = "paper_village_assistant", _("协理员受委托代为申请")


class ExtensionReason(models.TextChoices):
    """The only lawful reasons to extend to 45 working days (MSL 22, N22 4(1))."""

    OBJECTION = "objection", _("公示有异议")
    HOUSEHOLD_SPLIT = "household_split", _("人户分离")
    CROSS_AREA = "cross_area", _("异地申请")
    HARD_INVESTIGATION = "hard_investigation", _("调查核实难度大")


class Decision(models.TextChoices):
    APPROVED = "approved", _("确认享受")
    REFUSED = "refused", _("不予确认")
    TERMINATED = "terminated", _("终止审核确认")  # MSL 29: refusal to cooperate without reason


class DeadlineKind(models.TextChoices):
    """The legal deadlines a case is watched for (overdue alerts)."""

    DECISION = "decision", _("审核确认期限（MSL 22）")
    INVESTIGATION = "investigation", _("启动家庭经济状况调查期限（MSL 15）")
    DATA_CHECK = "data_check", _("启动信息核对期限（MSL 17）")
    REFUSAL_LETTER = "refusal_letter", _("书面告知不予确认期限（MSL 21）")


@dataclass(frozen=True)
class StageDeadline:
    """One deadline of a case: due date, and the date it was met (None while open)."""

    kind: str
    due_on: datetime.date
    met_on: datetime.date | None

    @property
    def label(self) -> str:
        return str(DeadlineKind(self.kind).label)

    def overdue_on(self, today: datetime.date) -> bool:
        """Past its date on ``today`` while not met, or met only after it."""
        if self.met_on is not None:
            return self.met_on > self.due_on
        return today > self.due_on


class ObjectionRoute(models.TextChoices):
    REINVESTIGATE = "reinvestigate", _("重新调查核实")
    APPRAISAL = "appraisal", _("组织民主评议")

"""The base of every rule version: ``RuleVersion``, its queryset and the shared choices."""

import datetime
from typing import Any, TypedDict, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..regions import County

ERR_RULE_IN_FORCE = _("已生效的规则版本不能修改，请新增一个更晚生效的版本。")
ERR_RULE_IN_PAST = _("生效日期不能早于今天（%(today)s）：已经过去的日期不能再适用新规则。")
ERR_CORRECTION_REASON = _("更正已生效的版本须说明更正理由。")
ERR_CORRECTS_NOT_IN_FORCE = _("只能更正已生效的版本；尚未生效的版本可直接修改或撤回。")
ERR_CORRECTS_OTHER_COUNTY = _("更正版本须与被更正的版本属于同一县（区）、同一城乡类别。")
ERR_REASON_WITHOUT_CORRECTION = _("只有更正已生效的版本时才填写更正理由。")
ERR_NO_RULE = _("%(county)s 在 %(date)s 没有生效的“%(rule)s”配置。")


class MoneyField(TypedDict):
    """The keyword arguments of a money ``DecimalField``; a TypedDict so ``**MONEY`` type-checks."""

    max_digits: int
    decimal_places: int


MONEY: MoneyField = {"max_digits": 12, "decimal_places": 2}


class Area(models.TextChoices):
    URBAN = "urban", _("城市")
    RURAL = "rural", _("农村")


class Period(models.TextChoices):
    MONTHLY = "monthly", _("按月")
    YEARLY = "yearly", _("按年")


class AmountMethod(models.TextChoices):
    GAP = "gap", _("补差（人均差额 × 家庭人口）")
    BANDS = "bands", _("分档（按人均差额所在档次定额）")


class RuleNotConfigured(LookupError):
    """No version of a rule was in force for the county on the date."""


_Version = TypeVar("_Version", bound="RuleVersion")


class RuleVersionQuerySet(models.QuerySet[_Version]):
    def in_force(self, *, county: County, on: datetime.date | None = None, **filters: Any) -> _Version:
        """The version in force for ``county`` on date ``on`` (default today).

        Raises ``RuleNotConfigured`` with a translated message when none is.
        """
        on = on or timezone.localdate()
        row = self.filter(county=county, effective_from__lte=on, **filters).order_by("-effective_from", "-pk").first()
        if row is None:
            raise RuleNotConfigured(
                ERR_NO_RULE % {"county": county, "date": on.isoformat(), "rule": self.model._meta.verbose_name}
            )
        return row


class RuleVersion(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, verbose_name=_("县（区）"))
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("依据/文号"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )

    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("更正的版本"),
        help_text=_("更正一个已生效版本的错误时选择它；更正从本版本的生效日期起适用，已提出初审意见的案件不受影响。"),
    )
    correction_reason = models.TextField(_("更正理由"), blank=True)
    # django-stubs does not derive the column attribute of a "self" key on an abstract model.
    corrects_id: int | None

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["county", "-effective_from"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Editing a version that cases may already reference would rewrite
        # history; only future versions may still be corrected.
        if self.pk is not None:
            stored = type(self)._default_manager.filter(pk=self.pk).values("effective_from").first()
            if stored and stored["effective_from"] <= timezone.localdate():
                raise ValidationError(ERR_RULE_IN_FORCE)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        stored = None
        if self.pk is not None:
            stored = type(self)._default_manager.filter(pk=self.pk).values("effective_from").first()
        if stored and stored["effective_from"] <= timezone.localdate():
            # Never a field error: the admin shows a version in force without inputs.
            raise ValidationError(ERR_RULE_IN_FORCE)
        errors: dict[str, ValidationError] = {}
        today = timezone.localdate()
        if self.effective_from is not None and self.effective_from < today:
            errors["effective_from"] = ValidationError(ERR_RULE_IN_PAST % {"today": today.isoformat()})
        # No query without a ``corrects_id``: the descriptor returns None.
        corrected = self.corrects
        if corrected is not None:
            if not corrected.is_in_force_or_past:
                errors["corrects"] = ValidationError(ERR_CORRECTS_NOT_IN_FORCE)
            elif (corrected.county_id, getattr(corrected, "area", None)) != (
                self.county_id,
                getattr(self, "area", None),
            ):
                errors["corrects"] = ValidationError(ERR_CORRECTS_OTHER_COUNTY)
            if not self.correction_reason.strip():
                errors["correction_reason"] = ValidationError(ERR_CORRECTION_REASON)
        elif self.correction_reason.strip():
            errors["correction_reason"] = ValidationError(ERR_REASON_WITHOUT_CORRECTION)
        if errors:
            raise ValidationError(errors)

    @property
    def is_in_force_or_past(self) -> bool:
        return self.effective_from <= timezone.localdate()

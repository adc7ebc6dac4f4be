"""Rule configuration, versioned by effective date (domain.md §3, §6, §7).

A new figure is a new row with a later ``effective_from``; a row already in
force is never edited, so a case decided under an old figure can always show
the version it used (cases keep a reference to the row). ``in_force()`` picks
the version that applied on a given date.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .regions import County

ERR_RULE_IN_FORCE = _("已生效的规则版本不能修改，请新增一个更晚生效的版本。")
ERR_NO_RULE = _("%(county)s 在 %(date)s 没有生效的“%(rule)s”配置。")

MONEY = {"max_digits": 12, "decimal_places": 2}


class Area(models.TextChoices):
    URBAN = "urban", _("城市")
    RURAL = "rural", _("农村")


class Period(models.TextChoices):
    MONTHLY = "monthly", _("按月")
    YEARLY = "yearly", _("按年")


class RuleNotConfigured(LookupError):
    """No version of a rule was in force for the county on the date."""


class RuleVersionQuerySet(models.QuerySet):
    def in_force(self, *, county, on=None, **filters):
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

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["county", "-effective_from"]

    def save(self, *args, **kwargs):
        # Editing a version that cases may already reference would rewrite
        # history; only future versions may still be corrected.
        if self.pk is not None:
            stored = type(self)._default_manager.filter(pk=self.pk).values("effective_from").first()
            if stored and stored["effective_from"] <= timezone.localdate():
                raise ValidationError(ERR_RULE_IN_FORCE)
        super().save(*args, **kwargs)

    @property
    def is_in_force_or_past(self) -> bool:
        return self.effective_from <= timezone.localdate()


class DibaoStandard(RuleVersion):
    """Minimum-living standard (低保标准) per county, area and year (SAI 9-10)."""

    area = models.CharField(_("城乡"), max_length=8, choices=Area.choices)
    period = models.CharField(_("标准口径"), max_length=8, choices=Period.choices)
    amount = models.DecimalField(_("标准金额（元/人）"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)

    class Meta(RuleVersion.Meta):
        verbose_name = _("低保标准")
        verbose_name_plural = _("低保标准")
        constraints = [
            models.UniqueConstraint(fields=["county", "area", "effective_from"], name="dibaostandard_unique_version")
        ]

    def __str__(self):
        return f"{self.county} {self.get_area_display()} {self.amount} ({self.get_period_display()}, {self.effective_from})"

    @property
    def monthly_amount(self) -> Decimal:
        """The standard per person per month, in yuan (domain.md §3: normalise to monthly)."""
        if self.period == Period.YEARLY:
            return (self.amount / 12).quantize(Decimal("0.01"))
        return self.amount


class AssetLimit(RuleVersion):
    """Household asset limits, set locally (SAI 10)."""

    financial_assets_per_capita = models.DecimalField(
        _("人均金融资产上限（元）"),
        help_text=_("存款、有价证券、商业保险现金价值、网络金融资产等合计，按人均计算。"),
        **MONEY,
    )
    vehicles_allowed = models.BooleanField(
        _("允许拥有机动车"),
        default=False,
        help_text=_("不允许时，拥有任何机动车（残疾人代步车除外）即不符合条件。"),
    )
    vehicle_value_limit = models.DecimalField(_("机动车价值上限（元）"), null=True, blank=True, **MONEY)
    max_housing_units = models.PositiveSmallIntegerField(_("住房套数上限"), default=1)
    business_entities_allowed = models.BooleanField(_("允许经营市场主体"), default=False)

    class Meta(RuleVersion.Meta):
        verbose_name = _("家庭财产限额")
        verbose_name_plural = _("家庭财产限额")
        constraints = [models.UniqueConstraint(fields=["county", "effective_from"], name="assetlimit_unique_version")]

    def __str__(self):
        return f"{self.county} {self.effective_from}"


class TemporaryAssistanceRule(RuleVersion):
    """Temporary assistance tiers and limits (TA18 2(2), 3(3))."""

    township_limit = models.DecimalField(
        _("乡镇审批限额（元）"),
        null=True,
        blank=True,
        help_text=_("留空时默认为城市低保月标准的 3 倍。"),
        **MONEY,
    )
    township_limit_multiplier = models.DecimalField(
        _("默认限额倍数"), max_digits=5, decimal_places=2, default=Decimal("3")
    )
    max_payments_per_year = models.PositiveSmallIntegerField(_("每户每年救助次数上限"), default=2)
    assist_first_completion_days = models.PositiveSmallIntegerField(_("先行救助补办时限（工作日）"), default=5)

    class Meta(RuleVersion.Meta):
        verbose_name = _("临时救助规则")
        verbose_name_plural = _("临时救助规则")
        constraints = [models.UniqueConstraint(fields=["county", "effective_from"], name="tarule_unique_version")]

    def __str__(self):
        return f"{self.county} {self.effective_from}"

    def effective_township_limit(self, on=None) -> Decimal:
        """The township approval limit: the configured figure, or multiplier x urban standard."""
        if self.township_limit is not None:
            return self.township_limit
        urban = DibaoStandard.objects.in_force(county=self.county, on=on, area=Area.URBAN)
        return (urban.monthly_amount * self.township_limit_multiplier).quantize(Decimal("0.01"))


class SamplingRule(RuleVersion):
    """County sampling review configuration (TK 16, MSL 20)."""

    class SamplingPeriod(models.TextChoices):
        MONTHLY = "monthly", _("每月")
        QUARTERLY = "quarterly", _("每季度")

    ratio = models.DecimalField(
        _("抽查比例"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.300"),
        validators=[MinValueValidator(Decimal("0.300")), MaxValueValidator(Decimal("1.000"))],
        help_text=_("不低于 30%。"),
    )
    period = models.CharField(
        _("抽查周期"), max_length=16, choices=SamplingPeriod.choices, default=SamplingPeriod.MONTHLY
    )

    class Meta(RuleVersion.Meta):
        verbose_name = _("抽查规则")
        verbose_name_plural = _("抽查规则")
        constraints = [models.UniqueConstraint(fields=["county", "effective_from"], name="samplingrule_unique_version")]

    def __str__(self):
        return f"{self.county} {self.ratio:%} {self.get_period_display()} ({self.effective_from})"

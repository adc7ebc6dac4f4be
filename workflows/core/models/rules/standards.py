"""Rules that are one figure or one set of limits per version (standards, limits, ratios)."""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import MONEY, Area, Period, RuleVersion


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

    def __str__(self) -> str:
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

    def __str__(self) -> str:
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

    def __str__(self) -> str:
        return f"{self.county} {self.effective_from}"

    def effective_township_limit(self, on: datetime.date | None = None) -> Decimal:
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

    def __str__(self) -> str:
        return f"{self.county} {self.ratio:%} {self.get_period_display()} ({self.effective_from})"


class TekunSupportRule(RuleVersion):
    """特困 basic support: a factor of the local dibao standard per person (TK; 民发〔2016〕178号:
    in principle not below 1.3 x the dibao standard)."""

    standard_factor = models.DecimalField(
        _("基本生活标准倍数"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.30"),
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("9.99"))],
        help_text=_("特困人员基本生活标准 = 当地低保标准 × 本倍数，原则上不低于 1.3。"),
    )

    class Meta(RuleVersion.Meta):
        verbose_name = _("特困供养标准")
        verbose_name_plural = _("特困供养标准")
        constraints = [models.UniqueConstraint(fields=["county", "effective_from"], name="tekunrule_unique_version")]

    def __str__(self) -> str:
        return f"{self.county} × {self.standard_factor} ({self.effective_from})"

"""Rules about the household: rigid expenses, single-person households, low-income families."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import MONEY, RuleVersion


class RigidExpenseRule(RuleVersion):
    """Essential spending (刚性支出) the county deducts from household income (MSL 13):
    which kinds count and an optional monthly cap per kind (household total).
    Education counts for spending-shock temporary assistance whatever this says (TA18)."""

    illness_deductible = models.BooleanField(_("扣减因病医疗支出"), default=True)
    illness_monthly_cap = models.DecimalField(
        _("因病医疗支出每月扣减上限（元）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        **MONEY,
    )
    disability_deductible = models.BooleanField(_("扣减因残康复、护理支出"), default=True)
    disability_monthly_cap = models.DecimalField(
        _("因残康复、护理支出每月扣减上限（元）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        **MONEY,
    )
    education_deductible = models.BooleanField(
        _("低保、特困也扣减教育支出"), default=False, help_text=_("国家规定教育支出仅在支出型临时救助中扣减。")
    )
    education_monthly_cap = models.DecimalField(
        _("教育支出每月扣减上限（元）"), null=True, blank=True, validators=[MinValueValidator(Decimal("0"))], **MONEY
    )

    KINDS = ("illness", "disability", "education")

    class Meta(RuleVersion.Meta):
        verbose_name = _("刚性支出扣减规则")
        verbose_name_plural = _("刚性支出扣减规则")
        constraints = [
            models.UniqueConstraint(fields=["county", "effective_from"], name="rigidexpenserule_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.county} {self._meta.verbose_name} ({self.effective_from})"

    def deductible_kinds(self) -> tuple[str, ...]:
        return tuple(k for k in self.KINDS if getattr(self, f"{k}_deductible"))

    def monthly_caps(self) -> dict[str, Decimal]:
        caps = {k: getattr(self, f"{k}_monthly_cap") for k in self.KINDS}
        return {k: v for k, v in caps.items() if v is not None}

    @property
    def label(self) -> str:
        return str(
            _("%(county)s刚性支出扣减规则（%(date)s 起执行）")
            % {"county": self.county, "date": self.effective_from.isoformat()}
        )


class SinglePersonHouseholdRule(RuleVersion):
    """Single-person household (单人户, domain.md §8): whether the county lets a severely
    disabled or seriously ill member of a low-income family be enrolled in dibao alone, on
    application, and the multiple of the dibao standard that defines "low-income" (the
    family's per-capita income at most ``income_multiple`` x the standard). With no
    version in force, or ``enabled`` off, nobody is enrolled alone."""

    enabled = models.BooleanField(
        _("实行单人户政策"), default=False, help_text=_("开启后，重度残疾人、重病患者可依申请参照单人户单独纳入低保。")
    )
    income_multiple = models.DecimalField(
        _("低收入家庭收入倍数"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("9.99"))],
        help_text=_("家庭月人均收入不超过低保标准的此倍数时，才可单独纳入。"),
    )

    class Meta(RuleVersion.Meta):
        verbose_name = _("单人户规则")
        verbose_name_plural = _("单人户规则")
        constraints = [
            models.UniqueConstraint(fields=["county", "effective_from"], name="singlepersonrule_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.county} {self._meta.verbose_name} ({self.effective_from})"

    @property
    def label(self) -> str:
        """Names the version in a computation, e.g. "示范县单人户规则（2025-01-01 起执行）"."""
        return str(
            _("%(county)s单人户规则（%(date)s 起执行）")
            % {"county": self.county, "date": self.effective_from.isoformat()}
        )


class LowIncomeRule(RuleVersion):
    """低收入家庭认定 (LB24, LI23; domain.md §8): the county's two categories.

    低保边缘家庭: per-capita income not below the dibao standard and at most
    ``income_multiple`` x it (default 1.5), assets within the limits below.
    刚性支出困难家庭: essential spending over the last 12 months above the household's
    income, per-capita income below ``spending_hardship_income_line`` (no line: the
    category is not recognised in the county), assets within the same limits.
    With no version in force the national default multiple applies with the county's
    dibao asset limits (``finance_check.services.evaluation.low_income_rule``)."""

    income_multiple = models.DecimalField(
        _("低保边缘家庭收入倍数"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("9.99"))],
        help_text=_("家庭月人均收入高于低保标准、但不超过低保标准的此倍数的，为低保边缘家庭。"),
    )
    financial_assets_per_capita = models.DecimalField(
        _("人均金融资产上限（元）"),
        help_text=_("低收入家庭的财产限额：存款、有价证券、商业保险现金价值、网络金融资产等合计，按人均计算。"),
        **MONEY,
    )
    vehicles_allowed = models.BooleanField(_("允许拥有机动车"), default=False)
    vehicle_value_limit = models.DecimalField(_("机动车价值上限（元）"), null=True, blank=True, **MONEY)
    max_housing_units = models.PositiveSmallIntegerField(_("住房套数上限"), default=1)
    business_entities_allowed = models.BooleanField(_("允许经营市场主体"), default=False)
    spending_hardship_income_line = models.DecimalField(
        _("刚性支出困难家庭人均月收入上限（元）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "家庭月人均收入低于此数、且近 12 个月刚性支出超过家庭收入的，为刚性支出困难家庭；不填则本县不认定此类。"
        ),
        **MONEY,
    )

    class Meta(RuleVersion.Meta):
        verbose_name = _("低收入家庭认定规则")
        verbose_name_plural = _("低收入家庭认定规则")
        constraints = [
            models.UniqueConstraint(fields=["county", "effective_from"], name="lowincomerule_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.county} {self._meta.verbose_name} ({self.effective_from})"

    @property
    def label(self) -> str:
        """Names the version in a computation, e.g. "示范县低收入家庭认定规则（2025-01-01 起执行）"."""
        return str(
            _("%(county)s低收入家庭认定规则（%(date)s 起执行）")
            % {"county": self.county, "date": self.effective_from.isoformat()}
        )

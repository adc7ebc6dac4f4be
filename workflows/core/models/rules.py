"""Rule configuration, versioned by effective date (domain.md §3, §6, §7).

A new figure is a new row with a later ``effective_from``; a row already in
force is never edited, so a case decided under an old figure can always show
the version it used (cases keep a reference to the row). ``in_force()`` picks
the version that applied on a given date.

A person enters a version effective today or later (Asia/Shanghai date): ``clean()``
refuses an earlier date, and the admin and ``core.rule_versions`` always call it. A
mistake in a version already in force is corrected by a new version that names the
one it ``corrects`` and says why. Seed data (tests/factories.configure_rules,
seed_demo) writes past-dated versions through the ORM (``objects.create`` /
``get_or_create``), which never calls ``clean()``: that is the deliberate bypass.
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
ERR_RULE_IN_PAST = _("生效日期不能早于今天（%(today)s）：已经过去的日期不能再适用新规则。")
ERR_CORRECTION_REASON = _("更正已生效的版本须说明更正理由。")
ERR_CORRECTS_NOT_IN_FORCE = _("只能更正已生效的版本；尚未生效的版本可直接修改或撤回。")
ERR_CORRECTS_OTHER_COUNTY = _("更正版本须与被更正的版本属于同一县（区）、同一城乡类别。")
ERR_REASON_WITHOUT_CORRECTION = _("只有更正已生效的版本时才填写更正理由。")
ERR_NO_RULE = _("%(county)s 在 %(date)s 没有生效的“%(rule)s”配置。")
ERR_BANDS_REQUIRED = _("分档计发须至少配置一个档次（MSL 23）。")
ERR_BANDS_WITH_GAP_METHOD = _("补差计发不使用档次：请删除档次，或把计发方式改为分档。")
ERR_BAND_NEGATIVE = _("第 %(n)s 档：差额界限和金额不能为负数。")
ERR_BAND_PRECISION = _("第 %(n)s 档：金额最多两位小数（元）。")
ERR_BAND_EMPTY_RANGE = _("第 %(n)s 档：差额上限须高于下限。")
ERR_BAND_FIRST_FROM_ZERO = _("第一档须从差额 0 元起算。")
ERR_BAND_OVERLAP = _("第 %(n)s 档与上一档重叠：下限 %(start)s 元低于上一档上限 %(previous)s 元。")
ERR_BAND_HOLE = _("第 %(n)s 档与上一档之间有空档：下限 %(start)s 元须等于上一档上限 %(previous)s 元。")
ERR_BAND_ONLY_LAST_OPEN = _("只有最后一档可以不设上限。")
ERR_BAND_LAST_OPEN = _("最后一档须不设上限，以覆盖所有差额。")

MONEY = {"max_digits": 12, "decimal_places": 2}


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

    def clean(self):
        super().clean()
        stored = None
        if self.pk is not None:
            stored = type(self)._default_manager.filter(pk=self.pk).values("effective_from").first()
        if stored and stored["effective_from"] <= timezone.localdate():
            # Never a field error: the admin shows a version in force without inputs.
            raise ValidationError(ERR_RULE_IN_FORCE)
        errors = {}
        today = timezone.localdate()
        if self.effective_from is not None and self.effective_from < today:
            errors["effective_from"] = ValidationError(ERR_RULE_IN_PAST % {"today": today.isoformat()})
        if self.corrects_id is not None:
            corrected = self.corrects
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


class DibaoAmountRule(RuleVersion):
    """How the dibao amount is set (MSL 23): the gap, or bands (分档) of the per-capita gap.

    With no version in force the gap applies (MSL 23 names it first; bands only
    "where the county configures bands", domain.md §5). The band rows
    (``DibaoAmountBand``) belong to the version and are frozen with it.
    """

    area = models.CharField(_("城乡"), max_length=8, choices=Area.choices)
    method = models.CharField(_("计发方式"), max_length=8, choices=AmountMethod.choices, default=AmountMethod.GAP)

    class Meta(RuleVersion.Meta):
        verbose_name = _("低保计发方式")
        verbose_name_plural = _("低保计发方式")
        constraints = [
            models.UniqueConstraint(fields=["county", "area", "effective_from"], name="dibaoamountrule_unique_version")
        ]

    def __str__(self):
        return f"{self.county} {self.get_area_display()} {self.get_method_display()} ({self.effective_from})"

    @staticmethod
    def band_errors(rows, *, method: str) -> list:
        """Translated errors of a band table ``rows`` (objects or dicts with
        ``gap_over``, ``gap_up_to``, ``amount_per_person``), empty when valid.

        A band covers a per-capita gap above ``gap_over`` up to and including
        ``gap_up_to`` (blank: no upper bound). The table must start at 0, each band
        must start where the previous ends (no hole, no overlap) and the last band is
        open-ended, so every positive gap falls in exactly one band.
        """

        def get(row, name):
            return row.get(name) if isinstance(row, dict) else getattr(row, name)

        rows = [r for r in rows if get(r, "gap_over") is not None]
        if method != AmountMethod.BANDS:
            return [ERR_BANDS_WITH_GAP_METHOD] if rows else []
        if not rows:
            return [ERR_BANDS_REQUIRED]
        errors = []
        ordered = sorted(rows, key=lambda r: (get(r, "gap_over"), get(r, "gap_up_to") is None, get(r, "gap_up_to")))
        for n, row in enumerate(ordered, start=1):
            start, end, amount = get(row, "gap_over"), get(row, "gap_up_to"), get(row, "amount_per_person")
            values = [v for v in (start, end, amount) if v is not None]
            if any(v < 0 for v in values):
                errors.append(ERR_BAND_NEGATIVE % {"n": n})
            if any(v != v.quantize(Decimal("0.01")) for v in values):
                errors.append(ERR_BAND_PRECISION % {"n": n})
            if end is not None and end <= start:
                errors.append(ERR_BAND_EMPTY_RANGE % {"n": n})
            if n == 1:
                if start != 0:
                    errors.append(ERR_BAND_FIRST_FROM_ZERO)
                continue
            previous = get(ordered[n - 2], "gap_up_to")
            if previous is None:
                errors.append(ERR_BAND_ONLY_LAST_OPEN)
            elif start < previous:
                errors.append(ERR_BAND_OVERLAP % {"n": n, "start": start, "previous": previous})
            elif start > previous:
                errors.append(ERR_BAND_HOLE % {"n": n, "start": start, "previous": previous})
        if get(ordered[-1], "gap_up_to") is not None:
            errors.append(ERR_BAND_LAST_OPEN)
        return list(dict.fromkeys(errors))

    def validate_bands(self) -> None:
        """Raise ``ValidationError`` when the stored band table is not usable."""
        errors = self.band_errors(list(self.bands.all()), method=self.method)
        if errors:
            raise ValidationError(errors)


class DibaoAmountBand(models.Model):
    """One band (分档) of a ``DibaoAmountRule``: a per-capita gap range -> a fixed amount
    per person per month (MSL 23)."""

    rule = models.ForeignKey(
        DibaoAmountRule, on_delete=models.CASCADE, related_name="bands", verbose_name=_("低保计发方式")
    )
    gap_over = models.DecimalField(
        _("人均差额高于（元）"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("不含本数；第一档填 0。"),
        **MONEY,
    )
    gap_up_to = models.DecimalField(
        _("人均差额不超过（元）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("含本数；最后一档留空表示不设上限。"),
        **MONEY,
    )
    amount_per_person = models.DecimalField(
        _("保障金额（元/人·月）"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )

    class Meta:
        verbose_name = _("分档")
        verbose_name_plural = _("分档")
        ordering = ["rule", "gap_over"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "gap_over"], name="dibaoamountband_unique_start"),
            models.CheckConstraint(
                condition=models.Q(gap_over__gte=0, amount_per_person__gte=0)
                & (models.Q(gap_up_to__isnull=True) | models.Q(gap_up_to__gt=models.F("gap_over"))),
                name="dibaoamountband_valid_range",
            ),
        ]

    def __str__(self):
        upper = self.gap_up_to if self.gap_up_to is not None else "+∞"
        return f"({self.gap_over}, {upper}] → {self.amount_per_person}"

    def save(self, *args, **kwargs):
        # A band of a version in force is as frozen as the version itself.
        if self.pk is not None and self._frozen():
            raise ValidationError(ERR_RULE_IN_FORCE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._frozen():
            raise ValidationError(ERR_RULE_IN_FORCE)
        return super().delete(*args, **kwargs)

    def _frozen(self) -> bool:
        rule = DibaoAmountRule.objects.filter(pk=self.rule_id).values("effective_from").first()
        return bool(rule) and rule["effective_from"] <= timezone.localdate()


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

    def __str__(self):
        return f"{self.county} × {self.standard_factor} ({self.effective_from})"


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

    def __str__(self):
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

    def __str__(self):
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

    def __str__(self):
        return f"{self.county} {self._meta.verbose_name} ({self.effective_from})"

    @property
    def label(self) -> str:
        """Names the version in a computation, e.g. "示范县低收入家庭认定规则（2025-01-01 起执行）"."""
        return str(
            _("%(county)s低收入家庭认定规则（%(date)s 起执行）")
            % {"county": self.county, "date": self.effective_from.isoformat()}
        )

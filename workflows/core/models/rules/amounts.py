"""How the dibao amount is set (MSL 23): the gap, or a table of bands."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeAlias

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.types import StrOrPromise

from .base import ERR_RULE_IN_FORCE, MONEY, AmountMethod, Area, RuleVersion

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


#: A band as ``band_errors`` reads it: a stored band, or an admin form's ``cleaned_data``.
BandRow: TypeAlias = "DibaoAmountBand | dict[str, Any]"


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

    def __str__(self) -> str:
        return f"{self.county} {self.get_area_display()} {self.get_method_display()} ({self.effective_from})"

    @staticmethod
    def band_errors(rows: Iterable[BandRow], *, method: str) -> list[StrOrPromise]:
        """Translated errors of a band table ``rows`` (objects or dicts with
        ``gap_over``, ``gap_up_to``, ``amount_per_person``), empty when valid.

        A band covers a per-capita gap above ``gap_over`` up to and including
        ``gap_up_to`` (blank: no upper bound). The table must start at 0, each band
        must start where the previous ends (no hole, no overlap) and the last band is
        open-ended, so every positive gap falls in exactly one band.
        """

        def get(row: BandRow, name: str) -> Decimal | None:
            return row.get(name) if isinstance(row, dict) else getattr(row, name)

        rows = [r for r in rows if get(r, "gap_over") is not None]
        if method != AmountMethod.BANDS:
            return [ERR_BANDS_WITH_GAP_METHOD] if rows else []
        if not rows:
            return [ERR_BANDS_REQUIRED]
        errors: list[StrOrPromise] = []
        ordered = sorted(rows, key=lambda r: (get(r, "gap_over"), get(r, "gap_up_to") is None, get(r, "gap_up_to")))
        for n, row in enumerate(ordered, start=1):
            start, end, amount = get(row, "gap_over"), get(row, "gap_up_to"), get(row, "amount_per_person")
            assert start is not None  # rows without a lower bound were dropped above
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

    def __str__(self) -> str:
        upper = self.gap_up_to if self.gap_up_to is not None else "+∞"
        return f"({self.gap_over}, {upper}] → {self.amount_per_person}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A band of a version in force is as frozen as the version itself.
        if self.pk is not None and self._frozen():
            raise ValidationError(ERR_RULE_IN_FORCE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._frozen():
            raise ValidationError(ERR_RULE_IN_FORCE)
        return super().delete(*args, **kwargs)

    def _frozen(self) -> bool:
        rule = DibaoAmountRule.objects.filter(pk=self.rule_id).values("effective_from").first()
        return rule is not None and rule["effective_from"] <= timezone.localdate()

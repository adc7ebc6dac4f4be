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

# Imported in the order the classes stood in the single module, so Django registers the
# models (contenttypes, apps.get_models()) in nearly the same order as before the split:
# only TekunSupportRule, now beside the other standards, comes before the amount rules.
from .base import (
    ERR_CORRECTION_REASON,
    ERR_CORRECTS_NOT_IN_FORCE,
    ERR_CORRECTS_OTHER_COUNTY,
    ERR_NO_RULE,
    ERR_REASON_WITHOUT_CORRECTION,
    ERR_RULE_IN_FORCE,
    ERR_RULE_IN_PAST,
    MONEY,
    AmountMethod,
    Area,
    Period,
    RuleNotConfigured,
    RuleVersion,
    RuleVersionQuerySet,
)
from .standards import AssetLimit, DibaoStandard, SamplingRule, TekunSupportRule, TemporaryAssistanceRule

# isort: split
from .amounts import (
    ERR_BAND_EMPTY_RANGE,
    ERR_BAND_FIRST_FROM_ZERO,
    ERR_BAND_HOLE,
    ERR_BAND_LAST_OPEN,
    ERR_BAND_NEGATIVE,
    ERR_BAND_ONLY_LAST_OPEN,
    ERR_BAND_OVERLAP,
    ERR_BAND_PRECISION,
    ERR_BANDS_REQUIRED,
    ERR_BANDS_WITH_GAP_METHOD,
    DibaoAmountBand,
    DibaoAmountRule,
)

# isort: split
from .households import LowIncomeRule, RigidExpenseRule, SinglePersonHouseholdRule

__all__ = [
    "ERR_BANDS_REQUIRED",
    "ERR_BANDS_WITH_GAP_METHOD",
    "ERR_BAND_EMPTY_RANGE",
    "ERR_BAND_FIRST_FROM_ZERO",
    "ERR_BAND_HOLE",
    "ERR_BAND_LAST_OPEN",
    "ERR_BAND_NEGATIVE",
    "ERR_BAND_ONLY_LAST_OPEN",
    "ERR_BAND_OVERLAP",
    "ERR_BAND_PRECISION",
    "ERR_CORRECTION_REASON",
    "ERR_CORRECTS_NOT_IN_FORCE",
    "ERR_CORRECTS_OTHER_COUNTY",
    "ERR_NO_RULE",
    "ERR_REASON_WITHOUT_CORRECTION",
    "ERR_RULE_IN_FORCE",
    "ERR_RULE_IN_PAST",
    "MONEY",
    "AmountMethod",
    "Area",
    "AssetLimit",
    "DibaoAmountBand",
    "DibaoAmountRule",
    "DibaoStandard",
    "LowIncomeRule",
    "Period",
    "RigidExpenseRule",
    "RuleNotConfigured",
    "RuleVersion",
    "RuleVersionQuerySet",
    "SamplingRule",
    "SinglePersonHouseholdRule",
    "TekunSupportRule",
    "TemporaryAssistanceRule",
]

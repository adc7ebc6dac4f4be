"""Entering, correcting and withdrawing rule versions (issue 15 item 4).

What a person enters goes through here (the admin calls these), so the rules of
``RuleVersion.clean`` always apply: a version is effective today or later; a mistake
in a version already in force is corrected by a new version that names it and says
why; only a version not yet in force can be withdrawn. Cases are untouched: a case
already proposed keeps the standard recorded on it (``DibaoProcess.standard``, its
``amount_computation``), and amounts are computed with the version in force on the
acceptance date. Seed data writes through the ORM and does not come here.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from .audit import audit_record, diff
from .models.rules import DibaoAmountRule, RuleVersion
from .types import Actor

ERR_WITHDRAW_IN_FORCE = _("已生效的版本不能撤回；如有错误，请新增一个更正版本并说明理由。")


def _chain(version: RuleVersion) -> str:
    return f"config:{version._meta.label_lower}"


def _values(version: RuleVersion) -> dict[str, Any]:
    return model_to_dict(version, exclude=["id"])


@transaction.atomic
def rule_version_create(*, version: RuleVersion, actor: Actor) -> RuleVersion:
    """Validate and save a new, unsaved ``version`` entered by ``actor``; audited.

    A version that ``corrects`` one in force is recorded as ``config.correct`` with the
    corrected version and the reason, so an auditor sees why the figure changed.
    """
    if version.pk is not None:
        raise ValueError("rule_version_create takes an unsaved version")
    version.created_by = actor
    version.full_clean()
    version.save()
    values = _values(version)
    audit_record(
        action="config.correct" if version.corrects_id else "config.create",
        target=version,
        actor=actor,
        chain=_chain(version),
        changes=diff({}, values),
        data={
            "county": version.county_id,
            "effective_from": version.effective_from,
            "corrects": version.corrects_id,
            "reason": version.correction_reason,
        },
    )
    return version


@transaction.atomic
def rule_version_change(*, version: RuleVersion, old: dict[str, Any], actor: Actor) -> RuleVersion:
    """Save changes to a version not yet in force (``old``: the changed fields' previous values)."""
    version.full_clean()
    version.save()
    new = {name: getattr(version, name) for name in old}
    audit_record(
        action="config.change",
        target=version,
        actor=actor,
        chain=_chain(version),
        changes=diff(old, new),
        data={"county": version.county_id, "effective_from": version.effective_from},
    )
    return version


@transaction.atomic
def rule_version_withdraw(*, version: RuleVersion, actor: Actor) -> None:
    """Delete a version not yet in force (it never applied to anything); audited with its values."""
    model = type(version)
    stored = model._default_manager.select_for_update().filter(pk=version.pk).first()
    if stored is None:
        return
    if stored.is_in_force_or_past:
        raise ValidationError(ERR_WITHDRAW_IN_FORCE)
    values = _values(stored)
    banded = stored if isinstance(stored, DibaoAmountRule) else None
    bands = [str(b) for b in banded.bands.all()] if banded is not None else None
    audit_record(
        action="config.withdraw",
        target=stored,
        actor=actor,
        chain=_chain(stored),
        changes=diff(values, {}),
        data={"county": stored.county_id, "effective_from": stored.effective_from, "bands": bands},
    )
    if banded is not None:
        # The bands' own guard reads the version, which is still in the future here.
        banded.bands.all().delete()
    stored.delete()

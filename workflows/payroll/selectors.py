"""Reads for the payment-roll pages (scoped by region, constant queries per page)."""

from __future__ import annotations

from django.db.models import QuerySet

from workflows.core.access import holds
from workflows.core.models import Township
from workflows.core.scope import regions_where, user_scope
from workflows.core.types import AnyUser

from .models import Deduction, PaymentRoll, PaymentRollLine


def rolls_visible_to(user: AnyUser) -> QuerySet[PaymentRoll]:
    return PaymentRoll.objects.filter(township_id__in=user_scope(user).township_ids).select_related(
        "township", "generated_by", "frozen_by"
    )


def townships_generating(user: AnyUser) -> QuerySet[Township]:
    """Townships whose roll this user may generate (case worker or approver there)."""
    pks = set(regions_where(user, "act_case_worker", Township).values_list("pk", flat=True))
    pks |= set(regions_where(user, "act_approver", Township).values_list("pk", flat=True))
    return Township.objects.filter(pk__in=pks).order_by("code")


def roll_lines(roll: PaymentRoll) -> QuerySet[PaymentRollLine]:
    return roll.lines.select_related("reissue_of__roll").order_by("pk")


def open_deductions(user: AnyUser) -> QuerySet[Deduction]:
    return (
        Deduction.objects.filter(township_id__in=user_scope(user).township_ids, status=Deduction.Status.OPEN)
        .select_related("township", "household", "created_by")
        .prefetch_related("household__members")
    )


def may_freeze(user: AnyUser, roll: PaymentRoll) -> bool:
    return not roll.is_frozen and holds(user, "act_approver", township=roll.township_id)


def may_generate(user: AnyUser, roll: PaymentRoll) -> bool:
    return not roll.is_frozen and (
        holds(user, "act_case_worker", township=roll.township_id)
        or holds(user, "act_approver", township=roll.township_id)
    )


def may_record_returns(user: AnyUser, roll: PaymentRoll) -> bool:
    return roll.is_frozen and holds(user, "act_case_worker", township=roll.township_id)

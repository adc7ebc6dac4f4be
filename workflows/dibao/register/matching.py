"""Matching household members against the register at filing, and describing a case's links."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.core.models import StaffProfile
from workflows.households.validators import normalise_id_number

from ..models import StaffKinRecord


# --- matching at filing ------------------------------------------------------------------------
@dataclass(frozen=True)
class RegisterMatch:
    record: StaffKinRecord
    member_id_number: str
    as_staff: bool  # the member is the staff person themself, not a declared relative
    staff_user_ids: frozenset[int]


def register_matches(id_numbers: Iterable[str], county) -> list[RegisterMatch]:
    """Register lines of ``county`` naming one of ``id_numbers`` as the staff person or as a
    declared relative (MSL 11), with the system accounts of the staff person (the line's
    account, or a staff user whose profile carries the staff ID number)."""
    ids = sorted({normalise_id_number(n) for n in id_numbers if n})
    if not ids or county is None:
        return []
    records = list(
        StaffKinRecord.objects.filter(Q(staff_id_number__in=ids) | Q(relative_id_number__in=ids), county=county)
        .select_related("township")
        .order_by("pk")
    )
    staff_ids = {r.staff_id_number for r in records if r.staff_id_number}
    users_by_id: dict[str, set[int]] = {}
    for id_number, user_id in StaffProfile.objects.filter(id_number__in=staff_ids).values_list("id_number", "user_id"):
        users_by_id.setdefault(id_number, set()).add(user_id)
    matches = []
    for r in records:
        users = set(users_by_id.get(r.staff_id_number, ()))
        if r.staff_user_id:
            users.add(r.staff_user_id)
        as_staff = r.staff_id_number in ids
        matches.append(
            RegisterMatch(
                record=r, member_id_number=r.staff_id_number if as_staff else r.relative_id_number,
                as_staff=as_staff, staff_user_ids=frozenset(users),
            )
        )  # fmt: skip
    return matches


# --- showing a case's links ------------------------------------------------------------------
LINK_SOURCES = {
    "declared": _("申请人申报"),
    "matched": _("名录比对"),
    "staff_register": _("工作人员档案比对"),
}


def link_descriptions(cases) -> dict[int, list[str]]:
    """For each case, its staff-relative links in words: who, which relation, how found
    (declared at filing, matched on the register, or a staff account's own or declared ID)."""
    from django.contrib.auth import get_user_model

    cases = list(cases)
    user_ids = {
        link.get("staff_user") for c in cases for link in c.staff_relative_links or [] if link.get("staff_user")
    }
    users = {u.pk: u.get_full_name() or gettext("工作人员") for u in get_user_model().objects.filter(pk__in=user_ids)}
    relations = dict(StaffKinRecord.Relation.choices)
    out = {}
    for c in cases:
        words = []
        for link in c.staff_relative_links or []:
            source = str(LINK_SOURCES.get(link.get("source"), ""))
            if link.get("staff_user"):
                who = users.get(link["staff_user"], gettext("工作人员"))
                words.append(f"{who}（{source}）")
                continue
            relation = str(relations.get(link.get("relation"), link.get("relation") or ""))
            words.append(f"{link.get('staff', '')} · {relation}（{source}）")
        out[c.pk] = words
    return out

"""Reads of the register and its audited one-line services (save, delete)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404

from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.models import County, StaffProfile, Township, Village
from workflows.core.scope import regions_where
from workflows.households.validators import mask_id_number, normalise_id_number, validate_id_number

from .. import register  # tests patch _duplicate on the package
from ..models import StaffKinRecord
from .common import (
    AUDITED_FIELDS,
    ERR_DUPLICATE_LINE,
    ERR_NOT_COUNTY_OFFICER,
    ERR_REGION_MISMATCH,
    ERR_RELATIVE_IS_STAFF,
    ERR_REQUIRED,
    ERR_SELF_WITH_RELATIVE,
    ERR_UNKNOWN_POSITION,
    ERR_UNKNOWN_REGION,
    ERR_UNKNOWN_RELATION,
    MASKED_FIELDS,
)


# --- reads ---------------------------------------------------------------------------------
def officer_counties(user) -> QuerySet[County]:
    """Counties whose register ``user`` maintains (county officers only)."""
    if not getattr(user, "is_authenticated", False):
        return County.objects.none()
    return regions_where(user, "act_county_officer", County)


def require_officer_counties(user) -> QuerySet[County]:
    counties = officer_counties(user)
    if not counties.exists():
        raise PermissionDenied(ERR_NOT_COUNTY_OFFICER)
    return counties


def register_lines(user) -> QuerySet[StaffKinRecord]:
    """The register lines ``user`` may see and edit: those of their counties."""
    return (
        StaffKinRecord.objects.filter(county__in=officer_counties(user))
        .select_related("county", "township", "village")
        .order_by("county__code", "staff_name", "pk")
    )


def register_line_for(user, pk: int) -> StaffKinRecord:
    """One line of the user's counties; 403 for non-officers, 404 for another county's line."""
    require_officer_counties(user)
    line = register_lines(user).filter(pk=pk).first()
    if line is None:
        raise Http404("No register line matches the given query.")
    return line


# --- one line --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegisterLineInput:
    county: County
    staff_name: str
    staff_id_number: str
    position: str
    relation: str
    township: Township | None = None
    village: Village | None = None
    relative_name: str = ""
    relative_id_number: str = ""


def _clean_line(line: RegisterLineInput) -> dict:
    """Validated, normalised column values of a line, or a ``ValidationError`` by field."""
    errors: dict[str, list] = {}

    def err(name, message):
        errors.setdefault(name, []).append(message)

    staff_name = (line.staff_name or "").strip()
    relative_name = (line.relative_name or "").strip()
    staff_id = normalise_id_number(line.staff_id_number)
    relative_id = normalise_id_number(line.relative_id_number)
    if not staff_name:
        err("staff_name", ERR_REQUIRED)
    if not staff_id:
        err("staff_id_number", ERR_REQUIRED)
    else:
        try:
            validate_id_number(staff_id)
        except ValidationError as e:
            errors.setdefault("staff_id_number", []).extend(e.messages)
    if line.position not in StaffKinRecord.Position.values:
        err("position", ERR_UNKNOWN_POSITION)
    if line.relation not in StaffKinRecord.Relation.values:
        err("relation", ERR_UNKNOWN_RELATION)
    elif line.relation == StaffKinRecord.Relation.SELF:
        if relative_name or relative_id:
            err("relation", ERR_SELF_WITH_RELATIVE)
    else:
        if not relative_name:
            err("relative_name", ERR_REQUIRED)
        if not relative_id:
            err("relative_id_number", ERR_REQUIRED)
        else:
            try:
                validate_id_number(relative_id)
            except ValidationError as e:
                errors.setdefault("relative_id_number", []).extend(e.messages)
            if relative_id == staff_id:
                err("relative_id_number", ERR_RELATIVE_IS_STAFF)
    township, village = line.township, line.village
    if village is not None and township is None:
        township = village.township
    if township is not None and township.county_id != line.county.pk:
        err("township", ERR_UNKNOWN_REGION)
    if village is not None and village.township_id != township.pk:
        err("village", ERR_REGION_MISMATCH)
    if errors:
        raise ValidationError(errors)
    staff_user_id = (
        StaffProfile.objects.filter(id_number=staff_id).values_list("user_id", flat=True).first() if staff_id else None
    )
    return {
        "county": line.county, "township": township, "village": village, "staff_name": staff_name,
        "staff_id_number": staff_id, "staff_user_id": staff_user_id, "position": line.position,
        "relative_name": relative_name, "relative_id_number": relative_id, "relation": line.relation,
    }  # fmt: skip


def _audit_value(name: str, value):
    if name in MASKED_FIELDS:
        return mask_id_number(value) if value else ""
    return value


def _snapshot(record: StaffKinRecord) -> dict:
    values = {}
    for name in AUDITED_FIELDS:
        attname = StaffKinRecord._meta.get_field(name).attname
        values[name] = _audit_value(name, getattr(record, attname))
    # Two ID numbers differing in a masked digit still count as a change.
    values["_ids"] = (record.staff_id_number, record.relative_id_number)
    return values


def _changes(old: dict | None, new: dict | None) -> dict:
    keys = AUDITED_FIELDS
    if old is None:
        return {k: [None, new[k]] for k in keys if new[k] not in (None, "")}
    if new is None:
        return {k: [old[k], None] for k in keys if old[k] not in (None, "")}
    changed = {k: [old[k], new[k]] for k in keys if old[k] != new[k]}
    for k, i in (("staff_id_number", 0), ("relative_id_number", 1)):
        if old["_ids"][i] != new["_ids"][i]:  # also when the masks are equal
            changed[k] = [old[k], new[k]]
    return changed


def _duplicate(values: dict, exclude_pk: int | None) -> bool:
    qs = StaffKinRecord.objects.filter(
        county=values["county"], staff_id_number=values["staff_id_number"],
        relative_id_number=values["relative_id_number"],
    )  # fmt: skip
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


@transaction.atomic
def staff_register_line_save(
    *, line: RegisterLineInput, actor, record: StaffKinRecord | None = None, source: str = "page"
) -> StaffKinRecord:
    """Create (``record`` None) or change one register line; audited with old and new values."""
    if not holds(actor, "act_county_officer", county=line.county):
        raise PermissionDenied(ERR_NOT_COUNTY_OFFICER)
    if record is not None:
        record = StaffKinRecord.objects.select_for_update().get(pk=record.pk)
        if not holds(actor, "act_county_officer", county=record.county):
            raise PermissionDenied(ERR_NOT_COUNTY_OFFICER)
    values = _clean_line(line)
    if register._duplicate(values, record.pk if record else None):
        raise ValidationError({"relative_id_number": [ERR_DUPLICATE_LINE]})
    old = _snapshot(record) if record is not None else None
    record = record or StaffKinRecord()
    for name, value in values.items():
        setattr(record, name, value)
    record.updated_by = actor
    try:
        with transaction.atomic():  # a concurrent save of the same line loses cleanly
            record.save()
    except IntegrityError:
        raise ValidationError({"relative_id_number": [ERR_DUPLICATE_LINE]}) from None
    new = _snapshot(record)
    changes = _changes(old, new)
    if old is None or changes:
        audit_record(
            action="dibao.staff_register_create" if old is None else "dibao.staff_register_change",
            target=record, actor=actor, changes=changes, data={"county": record.county_id, "source": source},
        )  # fmt: skip
    return record


@transaction.atomic
def staff_register_line_delete(*, record: StaffKinRecord, actor) -> None:
    """Remove one register line; the audit row keeps what it said."""
    record = StaffKinRecord.objects.select_for_update().get(pk=record.pk)
    if not holds(actor, "act_county_officer", county=record.county):
        raise PermissionDenied(ERR_NOT_COUNTY_OFFICER)
    changes = _changes(_snapshot(record), None)
    audit_record(
        action="dibao.staff_register_delete", target=record, actor=actor, changes=changes,
        data={"county": record.county_id},
    )  # fmt: skip
    record.delete()

"""The county's staff-relative register (工作人员近亲属名录, MSL 11): reads, the audited
services that maintain it (one line at a time or by CSV/XLSX import) and the matching of
household members against it at filing.

County officers (``act_county_officer`` on the county) maintain their county's lines; nobody
else may change the register. A line names a village-committee member, a township staff
member or a case handler, where they work, and one near relative they declared, or the
person alone (relation "self"). ID numbers are stored normalised so filing matches them.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

import tablib
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields as ie_fields
from import_export import resources, widgets

from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.models import County, StaffProfile, Township, Village
from workflows.core.scope import regions_where
from workflows.households.validators import mask_id_number, normalise_id_number, validate_id_number

from .models import StaffKinRecord

ERR_NOT_COUNTY_OFFICER = _("只有县级民政工作人员可以维护工作人员近亲属名录。")
ERR_REQUIRED = _("必须填写。")
ERR_UNKNOWN_REGION = _("未知的区划代码，或该地区不在本县。")
ERR_REGION_MISMATCH = _("村（社区）不属于所选乡镇（街道）。")
ERR_UNKNOWN_POSITION = _("未知的职务类别：请填写“村（居）委会成员”“乡镇（街道）工作人员”或“经办人员”。")
ERR_UNKNOWN_RELATION = _("未知的亲属关系：请填写本人、配偶、父母、子女、兄弟姐妹、祖父母、外祖父母或孙子女、外孙子女。")
ERR_SELF_WITH_RELATIVE = _("关系为“本人”时不填写亲属姓名和身份证号码。")
ERR_RELATIVE_IS_STAFF = _("亲属身份证号码与工作人员本人相同。")
ERR_DUPLICATE_LINE = _("本县名录中已有该工作人员与该亲属的登记。")
ERR_FILE_TYPE = _("请上传 CSV（UTF-8）或 XLSX 文件。")
ERR_FILE_UNREADABLE = _("文件无法读取，请检查文件格式。")
ERR_FILE_SIZE = _("文件不能超过 %(mb)d MB。")
ERR_FILE_ROWS = _("一次最多导入 %(rows)d 行。")
ERR_FILE_EMPTY = _("文件中没有数据行。")
ERR_MISSING_COLUMNS = _("表头缺少以下列：%(columns)s。")
ERR_PREVIEW_EXPIRED = _("预检结果已失效，请重新上传文件并预检。")

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
PREVIEW_SALT = "dibao.staff_register.import"
PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may be confirmed

# Import columns: header (as officers write it) -> line field. The order is the template's.
COLUMNS = {
    "工作人员姓名": "staff_name",
    "工作人员身份证号码": "staff_id_number",
    "职务类别": "position",
    "区划代码": "region_code",
    "亲属姓名": "relative_name",
    "亲属身份证号码": "relative_id_number",
    "关系": "relation",
}
REQUIRED_COLUMNS = ("工作人员姓名", "工作人员身份证号码", "职务类别", "区划代码", "关系")
HEADER_OF = {v: k for k, v in COLUMNS.items()}
AUDITED_FIELDS = (
    "county", "township", "village", "staff_name", "staff_id_number", "staff_user", "position",
    "relative_name", "relative_id_number", "relation",
)  # fmt: skip
MASKED_FIELDS = {"staff_id_number", "relative_id_number"}


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
    if _duplicate(values, record.pk if record else None):
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


# --- import ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowProblem:
    row: int  # the line of the file (the header is line 1)
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def _label_or_value(choices, raw: str) -> str:
    raw = (raw or "").strip()
    by_label = {str(label): value for value, label in choices.choices}
    return by_label.get(raw, raw)


class StaffRegisterResource(resources.ModelResource):
    """django-import-export resource for one county's register. ``before_import`` maps the
    Chinese headers to fields and ``before_import_row`` validates a row exactly as the page
    does (``_clean_line``), so a row is refused with the same translated reasons."""

    county = ie_fields.Field(attribute="county", column_name="county", widget=widgets.ForeignKeyWidget(County))
    township = ie_fields.Field(attribute="township", column_name="township", widget=widgets.ForeignKeyWidget(Township))
    village = ie_fields.Field(attribute="village", column_name="village", widget=widgets.ForeignKeyWidget(Village))
    staff_user = ie_fields.Field(attribute="staff_user_id", column_name="staff_user_id", widget=widgets.IntegerWidget())

    class Meta:
        model = StaffKinRecord
        fields = (
            "county", "township", "village", "staff_name", "staff_id_number", "staff_user", "position",
            "relative_name", "relative_id_number", "relation",
        )  # fmt: skip
        import_id_fields = ("county", "staff_id_number", "relative_id_number")
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        use_transactions = True

    def __init__(self, *, county: County, actor):
        super().__init__()
        self.county = county
        self.actor = actor

    def _region(self, code: str) -> tuple[Township | None, Village | None]:
        code = (code or "").strip()
        if code == self.county.code:
            return None, None
        if len(code) == 9:
            township = Township.objects.filter(code=code, county=self.county).first()
            if township:
                return township, None
        if len(code) == 12:
            village = Village.objects.filter(code=code, township__county=self.county).select_related("township").first()
            if village:
                return village.township, village
        raise ValidationError({"region_code": [ERR_UNKNOWN_REGION]})

    def before_import_row(self, row, **kwargs):
        def text(header):
            value = row.get(header)
            return "" if value is None else str(value).strip()

        region_error = None
        try:
            township, village = self._region(text("区划代码"))
        except ValidationError as e:
            township = village = None
            region_error = e
        line = RegisterLineInput(
            county=self.county, township=township, village=village, staff_name=text("工作人员姓名"),
            staff_id_number=text("工作人员身份证号码"),
            position=_label_or_value(StaffKinRecord.Position, text("职务类别")),
            relation=_label_or_value(StaffKinRecord.Relation, text("关系")),
            relative_name=text("亲属姓名"), relative_id_number=text("亲属身份证号码"),
        )  # fmt: skip
        try:
            values = _clean_line(line)
        except ValidationError as e:
            if region_error is None:
                raise
            raise ValidationError({**region_error.message_dict, **e.message_dict}) from None
        if region_error is not None:
            raise region_error
        row.update(
            county=values["county"].pk, township=values["township"].pk if values["township"] else None,
            village=values["village"].pk if values["village"] else None, staff_name=values["staff_name"],
            staff_id_number=values["staff_id_number"], staff_user_id=values["staff_user_id"],
            position=values["position"], relative_name=values["relative_name"],
            relative_id_number=values["relative_id_number"], relation=values["relation"],
        )  # fmt: skip

    def before_save_instance(self, instance, row, **kwargs):
        instance.updated_by = self.actor


def read_table(*, content: bytes, file_name: str) -> tablib.Dataset:
    """The rows of an uploaded CSV (UTF-8, with or without BOM) or XLSX file."""
    name = (file_name or "").lower()
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError(ERR_FILE_SIZE % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}, code="file_size")
    try:
        if name.endswith(".csv"):
            dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
        elif name.endswith(".xlsx"):
            if not content.startswith(b"PK"):
                raise ValidationError(ERR_FILE_UNREADABLE, code="file_unreadable")
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        else:
            raise ValidationError(ERR_FILE_TYPE, code="file_type")
    except ValidationError:
        raise
    except Exception:  # any parser failure of a malformed upload is the officer's to fix, not a 500
        raise ValidationError(ERR_FILE_UNREADABLE, code="file_unreadable") from None
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    missing = [h for h in REQUIRED_COLUMNS if h not in headers]
    if missing:
        raise ValidationError(ERR_MISSING_COLUMNS % {"columns": "、".join(missing)}, code="missing_columns")
    dataset.headers = headers
    # Blank lines at the end of a spreadsheet are not rows.
    for i in range(len(dataset) - 1, -1, -1):
        if all(v in (None, "") for v in dataset[i]):
            del dataset[i]
    if not len(dataset):
        raise ValidationError(ERR_FILE_EMPTY, code="file_empty")
    if len(dataset) > MAX_IMPORT_ROWS:
        raise ValidationError(ERR_FILE_ROWS % {"rows": MAX_IMPORT_ROWS}, code="file_rows")
    for column in ("county", "township", "village", "staff_name", "staff_id_number", "staff_user_id", "position",
                   "relative_name", "relative_id_number", "relation"):  # fmt: skip
        if column not in dataset.headers:
            dataset.append_col([None] * len(dataset), header=column)
    return dataset


def _problems(result) -> list[RowProblem]:
    problems = []
    for invalid in result.invalid_rows:
        for name, messages in invalid.error_dict.items():
            column = HEADER_OF.get(name) or {"township": "区划代码", "village": "区划代码"}.get(name, "")
            for message in messages:
                problems.append(RowProblem(row=invalid.number + 1, column=column, message=str(message)))
    for number, errors in result.row_errors():
        for _err in errors:  # an unexpected failure of a row: reported, never shown raw
            problems.append(RowProblem(row=number + 1, column="", message=gettext(ERR_FILE_UNREADABLE)))
    return sorted(problems, key=lambda p: (p.row, p.column))


def _county_snapshot(county: County) -> dict[int, dict]:
    return {r.pk: _snapshot(r) for r in StaffKinRecord.objects.filter(county=county)}


def _run(resource, dataset, *, dry_run: bool):
    return resource.import_data(
        dataset, dry_run=dry_run, raise_errors=False, use_transactions=True, rollback_on_validation_errors=True,
    )  # fmt: skip


@transaction.atomic
def staff_register_import(*, county: County, content: bytes, file_name: str, confirm: bool, actor) -> ImportReport:
    """Check (``confirm`` False: nothing is written) or import a register file for ``county``.

    The confirm checks the whole file again and writes nothing if any row is refused; an
    imported row that matches a line (county, staff ID, relative ID) updates it, so
    importing the same file twice changes nothing. Each created or changed line is audited
    with old and new values, and the import itself once."""
    if not holds(actor, "act_county_officer", county=county):
        raise PermissionDenied(ERR_NOT_COUNTY_OFFICER)
    dataset = read_table(content=content, file_name=file_name)
    report = ImportReport(rows=len(dataset))
    check = _run(StaffRegisterResource(county=county, actor=actor), dataset, dry_run=True)
    report.problems = _problems(check)
    totals = check.totals
    report.new, report.updated, report.unchanged = totals["new"], totals["update"], totals["skip"]
    if not confirm or report.problems:
        return report
    before = _county_snapshot(county)
    result = _run(StaffRegisterResource(county=county, actor=actor), read_table(content=content, file_name=file_name),
                  dry_run=False)  # fmt: skip
    report.problems = _problems(result)
    if report.problems:  # the rows changed between check and confirm: nothing stays written
        transaction.set_rollback(True)
        return report
    report.new, report.updated, report.unchanged = result.totals["new"], result.totals["update"], result.totals["skip"]
    for record in StaffKinRecord.objects.filter(county=county):
        old, new = before.get(record.pk), _snapshot(record)
        changes = _changes(old, new)
        if old is None or changes:
            audit_record(
                action="dibao.staff_register_create" if old is None else "dibao.staff_register_change",
                target=record, actor=actor, changes=changes, data={"county": county.pk, "source": "import"},
            )  # fmt: skip
    audit_record(
        action="dibao.staff_register_import", target=county, actor=actor,
        data={"rows": report.rows, "new": report.new, "updated": report.updated, "unchanged": report.unchanged},
    )  # fmt: skip
    report.written = True
    return report


def preview_token(*, county: County, content: bytes, file_name: str, actor) -> str:
    """A signed, compressed copy of a checked file, so the confirm imports exactly what the
    officer previewed without keeping register data on the server between the two steps."""
    payload = {"c": county.pk, "u": actor.pk, "n": file_name, "b": base64.b64encode(content).decode("ascii")}
    return signing.dumps(payload, salt=PREVIEW_SALT, compress=True)


def preview_from_token(token: str, *, actor) -> tuple[County, bytes, str]:
    try:
        payload = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        raise ValidationError(ERR_PREVIEW_EXPIRED, code="preview_expired") from None
    if payload.get("u") != actor.pk:
        raise ValidationError(ERR_PREVIEW_EXPIRED, code="preview_expired")
    county = officer_counties(actor).filter(pk=payload.get("c")).first()
    if county is None:
        raise PermissionDenied(ERR_NOT_COUNTY_OFFICER)
    return county, base64.b64decode(payload["b"]), payload["n"]


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

"""Importing the register from CSV/XLSX: preview (dry run), confirm, the signed preview token."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import tablib
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from import_export import fields as ie_fields
from import_export import resources, widgets

from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.models import County, Township, Village
from workflows.core.uploads import RowProblem, load_table

from .. import register  # tests patch _problems on the package
from ..models import StaffKinRecord
from .common import (
    ERR_FILE_EMPTY,
    ERR_FILE_ROWS,
    ERR_FILE_UNREADABLE,
    ERR_MISSING_COLUMNS,
    ERR_NOT_COUNTY_OFFICER,
    ERR_PREVIEW_EXPIRED,
    ERR_UNKNOWN_REGION,
    HEADER_OF,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    PREVIEW_MAX_AGE,
    PREVIEW_SALT,
    REQUIRED_COLUMNS,
)
from .lines import RegisterLineInput, _changes, _clean_line, _snapshot, officer_counties


# --- import ----------------------------------------------------------------------------------
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
    dataset = load_table(content=content, file_name=file_name, max_bytes=MAX_IMPORT_BYTES)
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
    report.problems = register._problems(check)
    totals = check.totals
    report.new, report.updated, report.unchanged = totals["new"], totals["update"], totals["skip"]
    if not confirm or report.problems:
        return report
    before = _county_snapshot(county)
    result = _run(StaffRegisterResource(county=county, actor=actor), read_table(content=content, file_name=file_name),
                  dry_run=False)  # fmt: skip
    report.problems = register._problems(result)
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

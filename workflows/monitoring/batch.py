"""A department's batch of signals (LI23: 部门间信息共享): a county officer uploads the file a
department sent (CSV in UTF-8 or XLSX, read by ``workflows.core.uploads.load_table``) and
names the department. One row per person: ``COLUMNS``.

All or nothing: every row is checked first (ID number, kind, date); any problem and nothing
is recorded, and the report lists each problem with its file line, column and reason, so
the county fixes the file and uploads it again. A clean file is received row by row through
``signal_receive`` in one transaction; matched and unmatched rows are counted.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.id_numbers import normalise_id_number, validate_id_number
from workflows.core.models import County
from workflows.core.uploads import ERR_FILE_EMPTY, ERR_FILE_ROWS, load_table
from workflows.core.uploads import RowProblem as Problem

from .models import DEPARTMENT_SOURCES, Signal, SignalKind
from .services import signal_receive

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000
COL_ID, COL_NAME, COL_KIND, COL_DATE, COL_DETAILS = "身份证号码", "姓名", "预警类别", "发生日期", "情况说明"
COLUMNS = (COL_ID, COL_NAME, COL_KIND, COL_DATE, COL_DETAILS)
REQUIRED = (COL_ID, COL_KIND, COL_DATE)

ERR_NOT_COUNTY = _("只有县级民政工作人员可以导入部门预警数据。")
ERR_SOURCE = _("请选择提供数据的部门。")
ERR_MISSING_COLUMNS = _("表头缺少以下列：%(columns)s。")
ERR_REQUIRED = _("必须填写。")
ERR_KIND = _("未知的预警类别：请填写死亡、住院大额医疗费用、新办残疾证、失业登记、教育资助、收入下降或村级报告。")
ERR_DATE = _("日期格式应为 YYYY-MM-DD，且不能晚于今天。")


@dataclass
class BatchReport:
    rows: int = 0
    matched: int = 0
    unmatched: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _kind_of(value: str) -> str | None:
    """A kind by its code or its Chinese label."""
    text = value.strip()
    by_label = {str(label): code for code, label in SignalKind.choices}
    return text if text in SignalKind.values else by_label.get(text)


def _date_of(value, today: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        value = datetime.date.fromisoformat(str(value or "").strip().replace("/", "-"))
    if value > today:
        raise ValueError("future")
    return value


def _check(dataset, today: datetime.date, report: BatchReport) -> list[dict]:
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        report.problems.append(Problem(1, "", gettext(ERR_MISSING_COLUMNS) % {"columns": "、".join(missing)}))
        return []
    rows = []
    for line, values in enumerate(dataset, start=2):  # line 1 is the header row
        cells = dict(zip(headers, values, strict=False))
        text = {c: "" if cells.get(c) is None else str(cells.get(c)).strip() for c in COLUMNS}
        if not any(text.values()):
            continue
        report.rows += 1
        row = {"line": line, "person_name": text[COL_NAME], "details": text[COL_DETAILS]}
        for column in REQUIRED:
            if not text[column]:
                report.problems.append(Problem(line, column, str(ERR_REQUIRED)))
        if text[COL_ID]:
            try:
                row["id_number"] = normalise_id_number(text[COL_ID])
                validate_id_number(row["id_number"])
            except ValidationError as exc:
                report.problems.append(Problem(line, COL_ID, " ".join(exc.messages)))
        if text[COL_KIND]:
            row["kind"] = _kind_of(text[COL_KIND])
            if row["kind"] is None:
                report.problems.append(Problem(line, COL_KIND, str(ERR_KIND)))
        if text[COL_DATE]:
            try:
                row["occurred_on"] = _date_of(cells.get(COL_DATE), today)
            except (TypeError, ValueError):
                report.problems.append(Problem(line, COL_DATE, str(ERR_DATE)))
        rows.append(row)
    if not report.rows:
        report.problems.append(Problem(1, "", str(ERR_FILE_EMPTY)))
    return rows


@transaction.atomic
def signal_batch_upload(*, content: bytes, file_name: str, county: County, source: str, actor) -> BatchReport:
    """Check a department's file and, if every row is right, receive every row (see above)."""
    if not holds(actor, "act_county_officer", county=county.pk):
        raise PermissionDenied(ERR_NOT_COUNTY)
    if source not in DEPARTMENT_SOURCES:
        raise ValidationError(ERR_SOURCE, code="source")
    dataset = load_table(content=content, file_name=file_name, max_bytes=MAX_BYTES)
    if dataset.height > MAX_ROWS:
        raise ValidationError(ERR_FILE_ROWS, params={"rows": MAX_ROWS}, code="file_rows")
    report = BatchReport()
    rows = _check(dataset, timezone.localdate(), report)
    if not report.ok:
        return report
    received_at = timezone.now()
    for row in rows:
        result = signal_receive(
            kind=row["kind"], source=source, id_number=row["id_number"], occurred_on=row["occurred_on"],
            county=county, actor=actor, person_name=row["person_name"], details=row["details"],
            received_at=received_at,
        )  # fmt: skip
        if isinstance(result, Signal):
            report.matched += 1
        else:
            report.unmatched += 1
    audit_record(
        action="monitoring.batch_upload", target=county, actor=actor, chain=f"monitoring:county:{county.pk}",
        data={"file_name": file_name, "sha256": hashlib.sha256(content).hexdigest(), "source": source,
              "rows": report.rows, "matched": report.matched, "unmatched": report.unmatched},
    )  # fmt: skip
    return report

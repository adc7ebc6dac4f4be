"""Reading an uploaded spreadsheet (CSV in UTF-8 with or without BOM, or XLSX) for an import:
the staff-relative register (MSL 11) and the caseload import share it. A file that cannot be
read at all is a ``ValidationError`` with a translated message, never a 500; the columns and
rows are each import's own business."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

ERR_FILE_TYPE = _("请上传 CSV（UTF-8）或 XLSX 文件。")
ERR_FILE_UNREADABLE = _("文件无法读取，请检查文件格式。")
ERR_FILE_SIZE = _("文件不能超过 %(mb)d MB。")
ERR_FILE_ROWS = _("一次最多导入 %(rows)d 行。")
ERR_FILE_EMPTY = _("文件中没有数据行。")


def load_table(*, content: bytes, file_name: str, max_bytes: int) -> tablib.Dataset:
    """The uploaded file as a dataset, by its extension; refuses a file over ``max_bytes``."""
    name = (file_name or "").lower()
    if len(content) > max_bytes:
        raise ValidationError(ERR_FILE_SIZE, params={"mb": max_bytes // (1024 * 1024)}, code="file_size")
    try:
        if name.endswith(".csv"):
            return tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
        if name.endswith(".xlsx"):
            if not content.startswith(b"PK"):
                raise ValidationError(ERR_FILE_UNREADABLE, code="file_unreadable")
            return tablib.Dataset().load(io.BytesIO(content), format="xlsx")
    except ValidationError:
        raise
    except Exception:  # any parser failure of a malformed upload is the uploader's to fix, not a 500
        raise ValidationError(ERR_FILE_UNREADABLE, code="file_unreadable") from None
    raise ValidationError(ERR_FILE_TYPE, code="file_type")


@dataclass(frozen=True)
class RowProblem:
    """One problem of one row of an imported file, for the page and the downloadable report."""

    row: int  # the line of the file (the header is line 1)
    column: str
    message: str


def csv_response(rows: list[list], file_name: str) -> HttpResponse:
    """A CSV download (an import's template or error report): UTF-8 with BOM, so spreadsheets
    read Chinese."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response

"""The roll as the finance bureau's "一卡通" upload expects it (YKT19): one row a payment,
name, ID number, account, amount, programme, township, month. Full numbers: only for a
frozen roll and after ``roll_export_record`` logged who exported it and why."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext_lazy as _

from workflows.core.programmes import all_choices

from .models import PaymentRoll

HEADERS = (
    _("序号"),
    _("姓名"),
    _("身份证号码"),
    _("银行账号"),
    _("金额（元）"),
    _("救助类别"),
    _("乡镇（街道）"),
    _("发放月份"),
    _("备注"),
)


def programme_label(value: str) -> str:
    return str(dict(all_choices()).get(value, value))


def export_rows(roll: PaymentRoll):
    township, month = roll.township.name, f"{roll.month:%Y-%m}"
    labels = dict(all_choices())
    rows = roll.lines.order_by("pk").values_list(
        "payee_name", "payee_id_number", "bank_account", "amount", "programme", "note"
    )
    for n, (name, id_number, account, amount, programme, note) in enumerate(rows.iterator(chunk_size=2000), 1):
        yield [n, name, id_number, account, amount, str(labels.get(programme, programme)), township, month, note]


def roll_csv(roll: PaymentRoll) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 only with the BOM
    writer = csv.writer(out)
    writer.writerow([str(h) for h in HEADERS])
    for row in export_rows(roll):
        row[4] = f"{row[4]:.2f}"
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def roll_xlsx(roll: PaymentRoll) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=f"{roll.month:%Y-%m}")
    sheet.append([str(h) for h in HEADERS])
    for row in export_rows(roll):
        # ID and account numbers stay strings (a number would show as 6.2E+18); the
        # amount is a number the bureau's sheet can sum
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

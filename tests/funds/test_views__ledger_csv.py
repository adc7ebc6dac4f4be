"""Issue 14 §5: the ledger CSV speaks people's language (Chinese headers, Asia/Shanghai
times without microseconds, kinds in words, two-decimal money, names not user ids)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from workflows.funds import services


def test_ledger_csv_has_chinese_headers_local_times_and_names(region, fund_a, approver_a, approver_b, client_for):
    """One payment of 1,234.5: the row says 救助支出, -1234.50, the approver's name, and a
    local time to the second; another township's staff get 404."""
    services.fund_pay(fund=fund_a, amount=Decimal("1234.5"), reason="救助", actor=approver_a)
    body = client_for(approver_a).get(f"/funds/{fund_a.pk}/ledger.csv").content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(body)))
    assert header == ["序号", "记账时间", "类型", "金额（元）", "记账后余额（元）", "案件编号", "事由", "经办人"]
    payment = rows[-1]
    assert payment[2] == "救助支出" and payment[3] == "-1234.50"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", payment[1])
    assert payment[7] == approver_a.get_full_name() and payment[7] != str(approver_a.pk)
    assert client_for(approver_b).get(f"/funds/{fund_a.pk}/ledger.csv").status_code == 404

"""Issue 14 §5: every finance-check reason code in the history replay is shown in people's
language, not as the stored code (the codes a check's evaluation and refusal record)."""

from __future__ import annotations

import inspect
import re

from workflows.core.models import AuditEvent
from workflows.finance_check.means_test import REASON_LABELS, reasons
from workflows.finance_check.services import request
from workflows.history import display


def codes_written_by(module) -> set[str]:
    """Reason codes written in a module's source: ``_reason("code"`` and the conditional pair."""
    source = inspect.getsource(module)
    found = set(re.findall(r'_reason\(\s*"([a-z_]+)"', source))
    found |= set(re.findall(r'"([a-z_]+)" if over else "([a-z_]+)"', source)[0])
    return found


def test_every_means_test_reason_code_has_a_label():
    """A new reason producer cannot add a code without its words."""
    written = codes_written_by(reasons)
    assert len(written) >= 25
    assert written <= set(REASON_LABELS), written - set(REASON_LABELS)


def test_refusal_and_halt_reasons_have_labels():
    """The reasons a refused or halted check records (MSL 9)."""
    source = inspect.getsource(request)
    for code in re.findall(r'"reason": "([a-z_]+)"', source):
        assert code in REASON_LABELS


def test_replay_shows_every_reason_code_in_words(db):
    """The evaluated event's reason list, as the replay shows it: no code left raw."""
    event = AuditEvent(action="finance_check.evaluated", target_type="finance_check.financecheckprocess",
                       target_id="1", changes={}, data={"reasons": sorted(REASON_LABELS)})  # fmt: skip
    rows = dict(display.data_rows(event))
    shown = next(value for value in rows.values() if "、" in value)
    for code, label in REASON_LABELS.items():
        assert str(label) in shown
        assert code not in shown.split("、")
    assert not re.search(r"[a-z]+_[a-z]+", shown)


def test_a_single_code_in_words():
    """One value: the income codes of before and the new ones alike."""
    assert display.code_label("vehicle_not_allowed") == "拥有机动车，不符合条件"
    assert display.code_label("income_below_standard") == "人均收入低于当地低保标准"
    assert display.code_label("sms") == "短信"
    assert display.code_label("not_a_code") is None

"""The auditor's timeline names every event in words, never by its internal code (issue 8)."""

from __future__ import annotations

import pytest

from tests.dibao.conftest import (  # noqa: F401 - fixtures used by name
    accept,
    approver_a2,
    fake_finance_check,
    file_case,
    home_visit,
    pass_notice,
    propose,
    sign_all,
)
from workflows.core.events import REGISTRY
from workflows.core.models import AuditEvent
from workflows.history.selectors import action_label


@pytest.mark.parametrize("action", sorted(REGISTRY))
def test_every_label_is_words(action):
    """A label is not the code itself."""
    assert action_label(action) != action


def test_every_event_of_an_approved_dibao_case_has_a_label(
    region,
    case_worker_a,
    case_worker_a2,
    approver_a,
    approver_a2,  # noqa: F811
    fake_finance_check,  # noqa: F811
    monkeypatch,
    client_for,
    auditor,
):
    """Filing to approval, then the auditor's own view: each action on the case chain has a
    translated label, so the timeline reads as the office's words (domain.md §8)."""
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    process = pass_notice(process, monkeypatch)
    process = sign_all(process, case_worker_a, approver_a, approver_a2)
    assert client_for(auditor).get(f"/history/case/{process.pk}/").status_code == 200
    chains = (f"case:{process.pk}", f"viewer:{auditor.pk}")  # auditors' reads go on their own chain
    actions = set(AuditEvent.objects.filter(chain__in=chains).values_list("action", flat=True))
    assert "history.viewed" in actions and "dibao.decide" in actions
    unlabelled = sorted(a for a in actions if action_label(a) == a)
    assert not unlabelled, f"declare these in workflows/core/events.py: {unlabelled}"

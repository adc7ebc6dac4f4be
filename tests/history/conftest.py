"""Helpers for the history tests: a finished skeleton case and raw-SQL tampering."""

import json

import pytest
from django.db import connection

from tests.dibao.conftest import approver_a2, fake_finance_check, finance_check  # noqa: F401 - fixtures (dibao cases)
from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - fixture of finance_check
from tests.skeleton.test_flow import open_case, review
from workflows.core.audit import flush_pending
from workflows.core.driving import open_tasks
from workflows.skeleton.flows import SkeletonFlow


@pytest.fixture
def finished_case(region, case_worker_a, approver_a, django_capture_on_commit_callbacks):
    """A skeleton case driven start -> review -> receipt -> end."""
    process = open_case(case_worker_a, region.village_a, summary="原始事由")
    with django_capture_on_commit_callbacks(execute=True):
        review(open_tasks(process, SkeletonFlow.review).get(), approver_a)
    return process


class Tamper:
    """What an attacker with the table owner's rights does: switch the trigger off, edit rows."""

    def __init__(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The transaction's buffered audit events are written first (the ALTER below
                # would flush them after the SET CONSTRAINTS and leave their FK checks pending).
                flush_pending()
                # Deferred FK checks pending on the table block ALTER TABLE: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
                cursor.execute("ALTER TABLE history_historyanchor DISABLE TRIGGER history_historyanchor_append_only")
            else:
                cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_append_only")
                cursor.execute("DROP TRIGGER IF EXISTS history_historyanchor_append_only")

    def sql(self, statement, params=()):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.rowcount

    def set_data(self, chain, seq, data):
        return self.sql(
            "UPDATE core_auditevent SET data = %s WHERE chain = %s AND seq = %s", [json.dumps(data), chain, seq]
        )

    def set_hash(self, chain, seq, value):
        return self.sql("UPDATE core_auditevent SET hash = %s WHERE chain = %s AND seq = %s", [value, chain, seq])

    def delete(self, chain, seq):
        return self.sql("DELETE FROM core_auditevent WHERE chain = %s AND seq = %s", [chain, seq])

    def rewind_head(self, chain):
        """Point the head at the (new) last event, as a careful attacker would."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq, hash FROM core_auditevent WHERE chain = %s ORDER BY seq DESC LIMIT 1", [chain])
            row = cursor.fetchone() or (0, "")
            cursor.execute("UPDATE core_auditchainhead SET seq = %s, hash = %s WHERE chain = %s", [*row, chain])


@pytest.fixture
def tamper(db):
    """Trigger switched off inside the test's transaction (rolled back afterwards)."""
    return Tamper()


@pytest.fixture
def test_actions(monkeypatch):
    """The ``test.*`` actions the chain tests write, declared for the test's duration only
    (an undeclared action fails under tests: workflows.core.events.check_action)."""
    from workflows.core import events

    for name in ("test.step", "test.bulk", "test.kept", "test.undone", "test.after", "test.first",
                 "test.other_connection", "test.third"):  # fmt: skip
        monkeypatch.setitem(events.REGISTRY, name, events.EventType(name=name, label=name))

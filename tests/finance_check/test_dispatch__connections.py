"""The eager path's HTTP threads (``dispatch._query_pool``) live as long as the process. A
database connection one of them opened would stay open with it: on PostgreSQL the session
outlives every test, and the test database cannot be dropped at the end of the run ("is being
accessed by other users"). Each job closes the connections it opened in its thread."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from django.db import connection
from django.db.backends.signals import connection_created

from tests.conftest import requires_postgres
from workflows.finance_check import dispatch
from workflows.finance_check.adapters import RegistryRejected


class _AdapterReadingTheDatabase:
    """An adapter whose query reads the database before the registry refuses it."""

    def query(self, id_numbers, *, request_id):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        raise RegistryRejected("refused")


@requires_postgres  # SQLite's in-memory test database ignores close(): Django keeps it alive
def test_a_pool_thread_closes_the_connection_its_query_opened(db, monkeypatch):
    """Two sources queried in the pool, each reading the database: the connections their
    threads opened are all closed once the answers are back; the answers are recorded."""
    opened = []

    def remember(sender, connection, **kwargs):
        if threading.current_thread().name.startswith("finance-check"):
            opened.append(connection)

    connection_created.connect(remember, dispatch_uid="test-pool-connections")
    monkeypatch.setattr(dispatch, "get_adapter", lambda source: _AdapterReadingTheDatabase())
    answers = {}
    try:
        outcome = dispatch.dispatch_queries(
            SimpleNamespace(pk=1, case_number="HD-TEST"), ["tax", "vehicles"], lambda: ["x"], answers.update
        )
    finally:
        connection_created.disconnect(dispatch_uid="test-pool-connections")
    assert outcome == "done"
    assert sorted(answers) == ["tax", "vehicles"]
    assert all(isinstance(error, RegistryRejected) and attempts == 1 for error, attempts in answers.values())
    assert opened, "the queries opened no connection in the pool threads"
    assert [w for w in opened if w.connection is not None] == []

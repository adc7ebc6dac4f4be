"""Savepoints sent to the database only when a statement needs them (issue 19).

Every nested ``atomic`` asks for a SAVEPOINT and a RELEASE, and many of them wrap nothing:
viewflow's ``If`` node evaluates its condition (usually on the case instance already in
memory) inside one, and a node's ``atomic`` is often followed at once by the service's own.
Here a savepoint is only noted when asked for; it is sent right before the next statement
runs on the connection, and a RELEASE of one that was never sent is dropped. Savepoints
asked for one after another with no statement in between mark the same state of the
transaction, so one SAVEPOINT stands for all of them: rolling back to any of them is
rolling back to that one (PostgreSQL and SQLite keep a savepoint after a rollback to it).

The transaction behaves exactly as before: whatever a rollback to a savepoint undid before,
it undoes now (a statement always runs after every savepoint asked for before it is sent),
and Django's own bookkeeping (``savepoint_ids``, the on-commit callbacks, the audit
buffer's savepoint rollback hook) is untouched: only the three methods that send the SQL
are wrapped (and COMMIT and ROLLBACK, which end every savepoint), once per connection
object (``install``, from ``connection_created``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class _Pending:
    def __init__(self) -> None:
        self.reset()
        self.sending = False

    def reset(self) -> None:
        self.asked: list[str] = []  # noted, not sent: no statement since they were asked for
        self.sent_as: dict[str, str] = {}  # savepoint -> the SAVEPOINT sent for it


def install(connection: Any) -> None:
    """Wrap ``connection``'s savepoint SQL (once per connection object; a new database
    connection of the same object starts with nothing pending)."""
    if "_pending_savepoints" in connection.__dict__:
        connection._pending_savepoints.reset()
        return
    state = connection._pending_savepoints = _Pending()
    create, release, rollback = connection._savepoint, connection._savepoint_commit, connection._savepoint_rollback
    commit_transaction, rollback_transaction = connection._commit, connection._rollback

    def _savepoint(sid: str) -> None:
        state.asked.append(sid)

    def send_asked() -> None:
        asked, state.asked = state.asked, []
        state.sending = True
        try:
            create(asked[0])
        finally:
            state.sending = False
        for sid in asked:
            state.sent_as[sid] = asked[0]

    def _savepoint_commit(sid: str) -> None:
        if sid in state.asked:
            state.asked.remove(sid)  # never sent: nothing to release
            return
        sent = state.sent_as.pop(sid, sid)
        if sent == sid:
            release(sid)
        # else: it shares the SAVEPOINT of an enclosing one, released with that one

    def _savepoint_rollback(sid: str) -> None:
        if sid in state.asked:
            return  # nothing ran since it was asked for: nothing to undo
        rollback(state.sent_as.get(sid, sid))

    def before_statement(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        if state.asked and not state.sending:
            send_asked()
        return execute(sql, params, many, context)

    def _commit() -> None:
        state.reset()  # the transaction's savepoints end with it
        commit_transaction()

    def _rollback() -> None:
        state.reset()
        rollback_transaction()

    connection._savepoint = _savepoint
    connection._commit = _commit
    connection._rollback = _rollback
    connection._savepoint_commit = _savepoint_commit
    connection._savepoint_rollback = _savepoint_rollback
    connection.execute_wrappers.insert(0, before_statement)


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    install(connection)

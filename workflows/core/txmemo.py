"""Memory that lives exactly as long as the current transaction, and no longer.

Several hot paths remember, for the rest of a transaction, something they read or
wrote under a lock (task states, the audit chain head, separation exclusions), instead
of reading it again. Such a memory is valid only inside the transaction that made it,
and only until a savepoint rolls back. Django replaces the connection's
``run_on_commit`` list on commit, on rollback and on a savepoint rollback, so that list
object identifies "this transaction, nothing undone since": a memory is kept only while
it is the same object. Outside a transaction (autocommit) nothing is remembered.
"""

from __future__ import annotations

import threading

from django.db import DEFAULT_DB_ALIAS, connections


def transaction_epoch(alias: str = DEFAULT_DB_ALIAS) -> object | None:
    """What identifies the connection's current transaction state; ``None`` in autocommit."""
    connection = connections[alias]
    return connection.run_on_commit if connection.in_atomic_block else None


class TransactionMemo(threading.local):
    """One dict per thread and database alias, emptied whenever the transaction changes."""

    def __init__(self) -> None:
        self._by_alias: dict[str, tuple[object, dict]] = {}

    def current(self, alias: str = DEFAULT_DB_ALIAS) -> dict | None:
        """The dict for the current transaction of ``alias``, or ``None`` in autocommit."""
        epoch = transaction_epoch(alias)
        if epoch is None:
            self._by_alias.pop(alias, None)
            return None
        known, values = self._by_alias.get(alias, (None, None))
        if known is not epoch:
            values = {}
            self._by_alias[alias] = (epoch, values)
        return values

"""Upserts held until the transaction commits, then sent with its audit events (issue 19).

A row that only mirrors other rows (the workspace's case index) is rewritten on every save of
what it mirrors, several times in one transaction, each time with one statement of its own.
Staged here instead, only the last row per primary key is written, right before COMMIT, and
on PostgreSQL in the same statement as the transaction's audit events (one more data-modifying
``WITH`` part): no statement of its own at all.

The transaction sees the same data as before: a statement on a staged table (a read, a delete)
first writes the staged rows (``touches``). Like the audit buffer and Django's on-commit
callbacks, each staged row remembers the savepoints open when it was staged: a rollback to one
of them drops it (the previous row of the same key, staged outside, is written instead), and a
row already written inside a savepoint that rolls back is staged again.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery


@dataclass(frozen=True)
class Staged:
    row: models.Model
    update_fields: tuple[str, ...]
    sids: tuple[str, ...]  # savepoints open when it was staged

    @property
    def key(self) -> tuple[type[models.Model], Hashable]:
        return type(self.row), self.row.pk


class StagedUpserts:
    def __init__(self) -> None:
        self.staged: list[Staged] = []
        # Written early (a statement touched the table) while savepoints were open:
        # (row, savepoints open when it was written); see ``rolled_back_to``.
        self.written: list[tuple[Staged, tuple[str, ...]]] = []
        self._tables: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.writing = False

    def add(self, entry: Staged) -> None:
        table = entry.row._meta.db_table
        if table not in self._tables:
            self._tables.add(table)
            self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(self._tables))) + r")\b")
        self.staged.append(entry)

    def touches(self, sql: str) -> bool:
        """Whether ``sql`` names a table with staged rows (it must run after they are written)."""
        return bool(self.staged) and not self.writing and self._pattern is not None and bool(self._pattern.search(sql))

    def groups(self) -> list[tuple[type[models.Model], tuple[str, ...], list[models.Model]]]:
        """The rows to write: the last staged per key, by model and updated columns."""
        latest: dict[tuple[type[models.Model], Hashable], Staged] = {}
        for entry in self.staged:
            latest.pop(entry.key, None)  # re-inserted: the order of the last staging
            latest[entry.key] = entry
        out: dict[tuple[type[models.Model], tuple[str, ...]], list[models.Model]] = {}
        for entry in latest.values():
            out.setdefault((type(entry.row), entry.update_fields), []).append(entry.row)
        return [(model, fields, rows) for (model, fields), rows in out.items()]

    def written_early(self, written_in: tuple[str, ...]) -> None:
        """The staged rows were written before the commit, inside ``written_in``: a rollback
        to one of those savepoints undoes the write, and the rows staged outside it are staged again."""
        if written_in:
            self.written.extend((entry, written_in) for entry in self.staged)
        self.staged = []

    def rolled_back_to(self, sid: str) -> None:
        undone = [entry for entry, written_in in self.written if sid in written_in and sid not in entry.sids]
        self.written = [item for item in self.written if sid not in item[1]]
        self.staged = undone + [entry for entry in self.staged if sid not in entry.sids]

    def clear(self) -> None:
        self.staged, self.written = [], []


def write(connection: Any, groups: list[tuple[type[models.Model], tuple[str, ...], list[models.Model]]]) -> None:
    """Each group as one ``INSERT … ON CONFLICT (pk) DO UPDATE`` of its own."""
    for model, update_fields, rows in groups:
        model._base_manager.using(connection.alias).bulk_create(
            rows, update_conflicts=True, unique_fields=[model._meta.pk.name], update_fields=list(update_fields)
        )


def upsert_sql(
    connection: Any, model: type[models.Model], update_fields: tuple[str, ...], rows: list[models.Model]
) -> tuple[str, list[Any]]:
    """The statement ``write`` sends for one group, to be part of another (a ``WITH``)."""
    opts = model._meta
    query = InsertQuery(
        model,
        on_conflict=OnConflict.UPDATE,
        update_fields=[opts.get_field(name) for name in update_fields],
        unique_fields=[opts.pk],
    )
    query.insert_values([f for f in opts.concrete_fields if not f.generated], rows)
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)

"""Savepoints are sent only when a statement needs them (``workflows.core.savepoints``), and
a rollback to any savepoint still undoes exactly what it undid before."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def _savepoint_sql(queries) -> list[str]:
    return [q["sql"].split()[0] for q in queries if "SAVEPOINT" in q["sql"]]


def test_a_block_that_runs_no_statement_sends_no_savepoint():
    """An ``atomic`` inside the transaction with nothing in it sends neither SAVEPOINT nor RELEASE."""
    with CaptureQueriesContext(connection) as ctx, transaction.atomic(), transaction.atomic():
        pass
    assert _savepoint_sql(ctx.captured_queries) == []


def test_a_block_with_a_statement_sends_its_savepoint_before_it():
    """The SAVEPOINT goes right before the block's first statement, and is released at its end."""
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        Group.objects.create(name="a")
    sql = [q["sql"] for q in ctx.captured_queries]
    assert [s.split()[0] for s in sql] == ["SAVEPOINT", "INSERT", "RELEASE"]


def test_blocks_opened_back_to_back_share_one_savepoint_and_still_roll_back_alone():
    """An inner block opened before any statement of the outer one shares its SAVEPOINT; its
    failure undoes its own write only, and the outer block goes on and commits its later write."""
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            Group.objects.create(name="inner")
            raise Boom
        Group.objects.create(name="outer")
    sql = [q["sql"].split()[0] for q in ctx.captured_queries]
    assert sql == ["SAVEPOINT", "INSERT", "ROLLBACK", "INSERT", "RELEASE"]
    assert list(Group.objects.values_list("name", flat=True)) == ["outer"]


def test_a_rollback_keeps_what_ran_before_the_savepoint():
    """A block failing after the enclosing block wrote: the enclosing write stays, the block's goes."""
    with transaction.atomic():
        Group.objects.create(name="before")
        with pytest.raises(Boom), transaction.atomic():
            Group.objects.create(name="after")
            raise Boom
    assert list(Group.objects.values_list("name", flat=True)) == ["before"]


def test_a_failed_statement_rolls_back_to_its_savepoint_and_the_transaction_goes_on():
    """A unique violation inside a block (get_or_create's race) is undone by the block's
    savepoint: the transaction stays usable (on PostgreSQL an unsent savepoint would leave it
    aborted)."""
    Group.objects.create(name="taken")
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.create(name="taken")
    assert Group.objects.filter(name="taken").count() == 1


def test_an_outer_rollback_undoes_a_released_inner_block():
    """An inner block that completed is undone with the enclosing block that fails later."""
    with pytest.raises(Boom), transaction.atomic():
        with transaction.atomic():
            Group.objects.create(name="inner")
        raise Boom
    assert not Group.objects.exists()


def test_the_manual_savepoint_api_still_rolls_back():
    """``transaction.savepoint()`` / ``savepoint_rollback()`` outside an ``atomic`` block of their
    own: a rollback undoes the writes after the savepoint and keeps the ones before it, also
    when nothing ran between the savepoint and the rollback."""
    with transaction.atomic():
        Group.objects.create(name="kept")
        unused = transaction.savepoint()
        transaction.savepoint_rollback(unused)
        sid = transaction.savepoint()
        Group.objects.create(name="undone")
        transaction.savepoint_rollback(sid)
        transaction.savepoint_commit(sid)
        Group.objects.create(name="after")
    assert sorted(Group.objects.values_list("name", flat=True)) == ["after", "kept"]

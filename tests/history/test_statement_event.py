"""An audit event hashed by the database in the statement that makes its change (issue 19):
the canonical text is built in Python around the values only the database knows, and the
database's sha256 of it is the hash ``verify_chain`` recomputes, whatever text the event holds.

The fragment tests run on any database; the statement tests need PostgreSQL (its sha256).
"""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction

from tests import factories
from tests.conftest import requires_postgres
from workflows.core.audit import (
    Blank,
    StatementEvent,
    audit_record,
    canonical_row,
    canonical_template,
    compute_hash,
    fill_template,
    verify_chain,
)
from workflows.core.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.usefixtures("test_actions")

# Text that JSON escapes, or that a hand-written SQL quoting would get wrong: quotes,
# backslashes, Chinese, astral characters, every control character but NUL (which
# PostgreSQL's jsonb refuses however the event is written), and a SQL comment.
AWKWARD = [
    'say "hi"',
    "C:\\path\\to\\file",
    "民政局 备用金 䶮 𠮷",
    "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "\u2028\u2029",
    "-- ' ; DROP TABLE x; /* */",
    "%s %(name)s {0}",
]


def _row(**values):
    row = {
        "chain": "fund:1", "seq": 7, "occurred_at": None, "actor_id": 3, "on_behalf_of_id": None,
        "action": "fund.payment", "target_type": "funds.reservefund", "target_id": "1", "process_id": None,
        "changes": {"balance": ["10.00", "0.00"]}, "data": {"entry": 12, "note": AWKWARD}, "prev_hash": "ab" * 32,
    }  # fmt: skip
    row.update(values)
    return row


def test_the_fragments_joined_with_the_database_values_are_the_canonical_text():
    """``canonical_template`` cuts the canonical text around each ``Blank`` (at the top level
    and inside ``changes``/``data``) in text order; joined with each value's JSON text it is
    byte for byte ``canonical_row`` of the row with the values in place, for the first event
    of a chain (empty prev_hash) as for a later one."""
    seq, prev, entry, before = Blank("seq"), Blank("prev_hash"), Blank("entry"), Blank("before")
    template = canonical_template(
        _row(seq=seq, prev_hash=prev, changes={"balance": [before, "0.00"]}, data={"entry": entry, "note": AWKWARD})
    )
    assert [piece.name for piece in template if isinstance(piece, Blank)] == ["before", "entry", "prev_hash", "seq"]
    for prev_hash in ("", "ab" * 32):
        values = {"seq": "7", "prev_hash": json.dumps(prev_hash), "entry": "12", "before": '"10.00"'}
        expected = canonical_row(_row(prev_hash=prev_hash))
        assert fill_template(template, values) == expected
    assert fill_template(template, {**values, "seq": "8"}) != expected


def test_a_blank_whose_placeholder_the_event_holds_already_is_refused():
    """The negative: should the event's own text contain a blank's placeholder, the cut would
    be ambiguous, so the template is refused instead of hashing the wrong text."""
    seq = Blank("seq")
    with pytest.raises(ValueError, match="exactly once"):
        canonical_template(_row(seq=seq, data={"note": seq.marker}))


def _run(event: StatementEvent, source: str) -> tuple:
    """Run the event's statement parts joined to ``source``; the four returned columns."""
    sql, params = event.ctes(source)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {sql} SELECT {', '.join(event.COLUMNS)} FROM (SELECT 1) AS one LEFT JOIN audit_event ON true",  # noqa: S608 - SQL built by StatementEvent, values as parameters
            params,
        )
        return cursor.fetchone()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_hash_of_awkward_text_verifies():
    """PostgreSQL: events holding awkward text (``AWKWARD``) and a value of the statement
    (``src.n``) are hashed, chained and written by the statement; each equals the Python hash
    of its stored row, the stored ``data`` reads back as given, the head moved with them, and
    ``verify_chain`` passes. An event recorded the usual way in the same transaction, after
    them, chains on the last one."""
    county = factories.CountyFactory(code="990178", name="语句县")
    chain = f"core.county:{county.pk}"
    with transaction.atomic():
        audit_record(action="test.first", target=county)
        written = []
        for n in (41, 42):
            number, again = Blank("n"), Blank("n again")  # a blank stands once in the text
            event = StatementEvent(
                action="test.step", target=county, actor=None, chain=chain, changes={"n": [None, again]},
                data={"note": AWKWARD, "n": number}, blanks={number: "src.n::text", again: "src.n::text"},
            )  # fmt: skip
            returned = _run(event, f"(SELECT {n}::bigint AS n) AS src")
            written.append(event.written(returned, {number: n, again: n}))
        after = audit_record(action="test.after", target=county)
    assert [e.seq for e in written] == [2, 3]
    assert after.seq == 4 and after.prev_hash == written[-1].hash
    for event in written:
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.hash == event.hash == compute_hash(stored)
        assert stored.data == {"note": AWKWARD, "n": event.data["n"]}
        assert stored.changes == {"n": [None, event.data["n"]]}
    assert [w.data["n"] for w in written] == [41, 42]
    head = AuditChainHead.objects.get(chain=chain)
    assert (head.seq, head.hash) == (4, after.hash)
    assert verify_chain(chain) is None


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_on_an_empty_source_writes_no_event_and_locks_no_head():
    """The negative: when the change's rows are empty (a refused payment), the statement
    neither writes the event nor moves the head, and nothing is taken for written."""
    county = factories.CountyFactory(code="990179", name="空语句县")
    chain = f"core.county:{county.pk}"
    with transaction.atomic():
        audit_record(action="test.first", target=county)
    with transaction.atomic():
        event = StatementEvent(
            action="test.step", target=county, actor=None, chain=chain, changes={}, data={}, blanks={}
        )
        returned = _run(event, "(SELECT 1 WHERE false) AS src")
        assert returned == (None, None, None, None)
        with pytest.raises(RuntimeError, match="no audit event written"):
            event.written(returned, {})
    assert AuditChainHead.objects.get(chain=chain).seq == 1
    assert AuditEvent.objects.filter(chain=chain).count() == 1

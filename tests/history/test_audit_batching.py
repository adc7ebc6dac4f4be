"""Issue 19 item 2: a transaction's audit events are written together right before it
commits (one multi-row INSERT, one head UPDATE per chain), with the same seq, prev_hash and
hash as one by one; never when it rolls back; and visible to reads inside the transaction."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests import factories
from workflows.core.audit import audit_record, compute_hash, verify_chain
from workflows.core.models import AuditChainHead, AuditEvent


@pytest.fixture(autouse=True)
def batching_actions(test_actions, monkeypatch):
    """The extra ``test.*`` actions of this file, declared for the test only."""
    from workflows.core import events

    for name in ("test.before", "test.one", "test.two", "test.three"):
        monkeypatch.setitem(events.REGISTRY, name, events.EventType(name=name, label=name))


def _statements(queries, verb: str, table: str) -> int:
    return sum(1 for q in queries if q["sql"].startswith(verb) and table in q["sql"])


@pytest.mark.django_db(transaction=True)
def test_one_insert_and_one_head_update_per_chain_at_commit():
    """Six events on two chains in one transaction: written at commit by one INSERT and one
    UPDATE per chain head (on PostgreSQL both in one statement, a data-modifying ``WITH``);
    each chain verifies and every stored hash is its content's."""
    a = factories.CountyFactory(code="990191", name="批量一县")
    b = factories.CountyFactory(code="990192", name="批量二县")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for i in range(4):
            audit_record(action="test.step", target=a, data={"i": i})
        for i in range(2):
            audit_record(action="test.step", target=b, data={"i": i})
        assert _statements(queries.captured_queries, "INSERT", "core_auditevent") == 0  # not yet
    if connection.vendor == "postgresql":
        writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("WITH")]
        assert len(writes) == 1
        assert 'INSERT INTO "core_auditevent"' in writes[0] and 'UPDATE "core_auditchainhead"' in writes[0]
        assert _statements(queries.captured_queries, "INSERT", "core_auditevent") == 0
        assert _statements(queries.captured_queries, "UPDATE", "core_auditchainhead") == 0
    else:
        assert _statements(queries.captured_queries, "INSERT", "core_auditevent") == 1
        assert _statements(queries.captured_queries, "UPDATE", "core_auditchainhead") == 2
    for county, n in ((a, 4), (b, 2)):
        chain = f"core.county:{county.pk}"
        events = list(AuditEvent.objects.filter(chain=chain).order_by("seq"))
        assert [e.seq for e in events] == list(range(1, n + 1))
        assert all(e.hash == compute_hash(e) for e in events)
        assert AuditChainHead.objects.get(chain=chain).seq == n
        assert verify_chain(chain) is None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_writes_no_event():
    """The change fails after its event was recorded: neither the event nor a head move is
    written, and the next transaction starts the chain at seq 1."""
    county = factories.CountyFactory(code="990193", name="回滚县")
    chain = f"core.county:{county.pk}"
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="test.undone", target=county)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(chain=chain).exists()
    assert AuditChainHead.objects.filter(chain=chain, seq__gt=0).count() == 0
    with transaction.atomic():
        event = audit_record(action="test.kept", target=county)
    assert (event.seq, event.prev_hash) == (1, "")
    assert list(AuditEvent.objects.filter(chain=chain).values_list("seq", "action")) == [(1, "test.kept")]


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_savepoint_is_never_written():
    """Only the savepoint's event is dropped: the events before and after it are committed,
    in sequence, and the chain verifies."""
    county = factories.CountyFactory(code="990194", name="保存点县")
    chain = f"core.county:{county.pk}"
    with transaction.atomic():
        audit_record(action="test.before", target=county)
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(action="test.undone", target=county)
            raise RuntimeError("the inner change failed")
        audit_record(action="test.after", target=county)
    actions = list(AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", "action"))
    assert actions == [(1, "test.before"), (2, "test.after")]
    assert verify_chain(chain) is None


def test_reads_inside_the_transaction_see_the_buffered_events(db):
    """The ORM, raw SQL and an event's ``pk`` all see an event recorded earlier in the same
    transaction (the buffer is written before any statement on the audit tables)."""
    county = factories.CountyFactory(code="990195", name="读取县")
    chain = f"core.county:{county.pk}"
    with transaction.atomic():
        audit_record(action="test.one", target=county)
        assert AuditEvent.objects.filter(chain=chain).count() == 1
        audit_record(action="test.two", target=county)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_auditevent WHERE chain = %s", [chain])
            assert cursor.fetchone()[0] == 2
        third = audit_record(action="test.three", target=county)
        assert third.pk is not None
        assert AuditEvent.objects.get(pk=third.pk).seq == 3
    assert verify_chain(chain) is None


def test_an_unread_event_has_no_row_until_something_needs_it(db):
    """Buffering is real: before the commit (or a read) no INSERT has been sent."""
    county = factories.CountyFactory(code="990196", name="缓冲县")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        audit_record(action="test.one", target=county)
        audit_record(action="test.two", target=county)
    assert _statements(queries.captured_queries, "INSERT", "core_auditevent") == 0
    assert AuditEvent.objects.filter(chain=f"core.county:{county.pk}").count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_event_flushed_inside_a_savepoint_that_rolls_back_is_still_written():
    """An event recorded by the outer transaction and written early by a read inside a
    savepoint (which then fails and rolls back) belongs to the outer transaction: it is
    written again at commit, not lost; the savepoint's own event is not."""
    county = factories.CountyFactory(code="990193", name="保存点县")
    with transaction.atomic():
        audit_record(action="test.before", target=county, data={"i": 1})
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(action="test.one", target=county, data={"i": 2})
            assert AuditEvent.objects.filter(chain=f"core.county:{county.pk}").count() == 2  # flushed here
            raise RuntimeError("the savepoint fails")
        audit_record(action="test.two", target=county, data={"i": 3})
    rows = list(AuditEvent.objects.filter(chain=f"core.county:{county.pk}").order_by("seq"))
    assert [(e.action, e.seq) for e in rows] == [("test.before", 1), ("test.two", 2)]
    assert verify_chain(f"core.county:{county.pk}") is None

"""Issue 8 item 2 / issue 11 item 4: appending to a chain reads its locked head once per
transaction, and never from a stale memory (savepoint rollback, another transaction)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests import factories
from workflows.core.audit import audit_record, audit_record_many, verify_chain
from workflows.core.models import AuditChainHead, AuditEvent


def _head_reads(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith("SELECT") and "core_auditchainhead" in q["sql"])


pytestmark = pytest.mark.usefixtures("test_actions")


@pytest.fixture
def county(db):
    return factories.CountyFactory(code="990177", name="链头县")


def test_events_of_one_chain_in_one_transaction_read_the_head_once(county):
    """Five events on one chain in one transaction: the head is locked and read once, each
    event is inserted and moves the head, and the chain verifies."""
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for i in range(3):
            audit_record(action="test.step", target=county, data={"i": i})
        audit_record_many(
            action="test.bulk", items=[(county, {"i": 3}), (county, {"i": 4})], chain="core.county:" + str(county.pk)
        )
    chain = f"core.county:{county.pk}"
    assert _head_reads(queries.captured_queries) == 1
    assert list(AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    head = AuditChainHead.objects.get(chain=chain)
    assert (head.seq, head.hash) == (5, AuditEvent.objects.get(chain=chain, seq=5).hash)
    assert verify_chain(chain) is None


def test_a_rolled_back_savepoint_leaves_no_stale_head(county):
    """An event appended inside a savepoint that rolls back is gone, and so is the memory of
    it: the next event takes the seq after the surviving one and the chain verifies."""
    chain = f"core.county:{county.pk}"
    with transaction.atomic():
        audit_record(action="test.kept", target=county)
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(action="test.undone", target=county)
            raise RuntimeError("the change failed")
        with CaptureQueriesContext(connection) as queries:
            audit_record(action="test.after", target=county)
    assert _head_reads(queries.captured_queries) == 1  # read again after the rollback
    events = list(AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", "action"))
    assert events == [(1, "test.kept"), (2, "test.after")]
    assert AuditChainHead.objects.get(chain=chain).seq == 2
    assert verify_chain(chain) is None


@pytest.mark.django_db(transaction=True)
def test_a_new_transaction_reads_the_head_again():
    """After a commit another connection may append to the chain; the next transaction here
    reads the head afresh instead of reusing what the committed one knew."""
    county = factories.CountyFactory(code="990178", name="链头二县")
    chain = f"core.county:{county.pk}"
    with transaction.atomic():
        audit_record(action="test.first", target=county)

    def elsewhere():
        try:
            with transaction.atomic():
                audit_record(action="test.other_connection", target=county)
        finally:
            connection.close()

    worker = threading.Thread(target=elsewhere)
    worker.start()
    worker.join()

    with transaction.atomic():
        audit_record(action="test.third", target=county)
    actions = list(AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", "action"))
    assert actions == [(1, "test.first"), (2, "test.other_connection"), (3, "test.third")]
    assert verify_chain(chain) is None

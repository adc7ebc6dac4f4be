"""Issue 18 item 7: the tamper gaps of the audit log closed.

- TRUNCATE of the audit, anchor and reserve-fund ledger tables is refused by the
  database (statement triggers; row triggers do not fire on TRUNCATE);
- a case whose whole chain (events and head) is deleted after the last anchor is
  reported: its process row still exists;
- a chain cut and its head rewound stays reported after later anchors: an anchor
  keeps the previous point of a chain that no longer holds it;
- anchors are taken every hour through beat, configurable;
- the history PDF renders with the offline URL fetcher.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from weasyprint.urls import FatalURLFetchingError

from tests.conftest import requires_postgres
from tests.history.test_verify import run_verify
from tests.skeleton.test_flow import open_case
from workflows.core.audit import REASON_ANCHOR_MISMATCH, REASON_ANCHORED_MISSING, REASON_NO_CHAIN
from workflows.core.models import AuditChainHead, AuditEvent
from workflows.funds.models import FundEntry
from workflows.history.models import HistoryAnchor
from workflows.history.pdf import html_to_pdf
from workflows.history.services import anchor_create, history_verify


@pytest.fixture
def fund_a(region, county_officer):
    from workflows.funds.services import fund_allocate

    return fund_allocate(
        township=region.township_a,
        budget_year=timezone.localdate().year,
        amount=Decimal("10000.00"),
        reason="年度拨付",
        actor=county_officer,
    ).fund


def _refused(statement: str) -> None:
    with connection.cursor() as c:
        # Deferred FK checks of the test's own writes would block any TRUNCATE: run them
        # now, so the statement meets only the guard (as in a fresh session).
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute("SET CONSTRAINTS ALL DEFERRED")
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic(), connection.cursor() as c:
        c.execute(statement)


@pytest.mark.postgres
@requires_postgres
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE core_auditevent",
        "TRUNCATE history_historyanchor",
        "TRUNCATE funds_fundentry CASCADE",
        # reached through CASCADE from a table the audit log references
        "TRUNCATE auth_user CASCADE",
    ],
)
def test_truncate_of_append_only_tables_is_refused(finished_case, fund_a, statement):
    """TRUNCATE (alone or by CASCADE) of the audit log, the anchors or the fund ledger
    raises in PostgreSQL, and every row is still there."""
    anchor_create()
    counts = (AuditEvent.objects.count(), HistoryAnchor.objects.count(), FundEntry.objects.count())
    assert all(counts)
    _refused(statement)
    assert (AuditEvent.objects.count(), HistoryAnchor.objects.count(), FundEntry.objects.count()) == counts


@pytest.mark.postgres
def test_chain_deleted_after_the_last_anchor_is_reported(finished_case, region, case_worker_a, tamper):
    """A case opened after the last anchor, whose events and head are then deleted, is
    reported by ``verify_history`` (exit 1, naming the case) though no anchor knows it."""
    anchor_create()
    later = open_case(case_worker_a, region.village_a, summary="锚定之后")
    chain = f"case:{later.pk}"
    assert chain not in HistoryAnchor.objects.get().anchored()
    tamper.sql("DELETE FROM core_auditevent WHERE chain = %s", [chain])
    tamper.sql("DELETE FROM core_auditchainhead WHERE chain = %s", [chain])
    result = history_verify()
    assert [(b.chain, b.seq, b.reason) for b in result.breaks] == [(chain, 1, REASON_NO_CHAIN)]
    code, _out, err = run_verify()
    assert code == 1 and f"BROKEN case {later.pk} chain={chain} position=1: {REASON_NO_CHAIN}" in err
    code, _out, err = run_verify("--case", str(later.pk))
    assert code == 1 and REASON_NO_CHAIN in err
    # the intact case alone still verifies
    assert run_verify("--case", str(finished_case.pk))[0] == 0


@pytest.mark.postgres
def test_intact_log_reports_no_case_without_chain(finished_case, region, case_worker_a):
    """Every process writes its chain when it is created: an untouched log verifies."""
    open_case(case_worker_a, region.village_a)
    assert history_verify().ok


@pytest.mark.postgres
def test_cut_and_rewind_stays_reported_after_the_next_anchor(finished_case, tamper):
    """Cutting a chain's tail and rewinding its head, then letting beat take the next
    anchor, does not launder the cut: the new anchor keeps the last anchored length."""
    chain = f"case:{finished_case.pk}"
    first = anchor_create()
    anchored_seq, anchored_hash = first.anchored()[chain]
    for seq in (anchored_seq, anchored_seq - 1):
        assert tamper.delete(chain, seq) == 1
    tamper.rewind_head(chain)
    second = anchor_create()  # the hourly beat run after the tampering
    assert second.anchored()[chain] == (anchored_seq, anchored_hash)
    result = history_verify()
    assert [(b.chain, b.seq, b.reason) for b in result.breaks] == [(chain, anchored_seq, REASON_ANCHORED_MISSING)]
    assert run_verify()[0] == 1


def forge(tamper, process, chain, n):
    """Append ``n`` correctly chained, hashed events after the (rewound) stored head, as an
    attacker with the table owner's rights would, by SQL."""
    from workflows.core.audit import _chained_event

    head = AuditChainHead.objects.get(chain=chain)
    seq, prev = head.seq, head.hash
    for _ in range(n):
        event = _chained_event(
            chain=chain, seq=seq + 1, prev_hash=prev, action="case.forged", target=process, actor=None,
            on_behalf_of=None, process_id=process.pk, changes=None, data=None,
        )  # fmt: skip
        event.save()
        seq, prev = event.seq, event.hash
    tamper.sql("UPDATE core_auditchainhead SET seq = %s, hash = %s WHERE chain = %s", [seq, prev, chain])


@pytest.mark.postgres
def test_cut_and_reforged_tail_stays_reported(finished_case, tamper):
    """Cut to before the anchored event, then re-grown past it with forged events (a
    fresh, internally valid chain tail): the next anchor keeps the old point, and the
    verifier reports that the event there differs from the anchored one."""
    chain = f"case:{finished_case.pk}"
    first = anchor_create()
    anchored_seq, anchored_hash = first.anchored()[chain]
    assert tamper.delete(chain, anchored_seq) == 1
    tamper.rewind_head(chain)
    forge(tamper, finished_case, chain, 3)
    assert AuditChainHead.objects.get(chain=chain).seq == anchored_seq + 2
    second = anchor_create()
    assert second.anchored()[chain] == (anchored_seq, anchored_hash)
    result = history_verify()
    assert [(b.seq, b.reason) for b in result.breaks] == [(anchored_seq, REASON_ANCHOR_MISMATCH)]


@pytest.mark.postgres
def test_grown_intact_chain_moves_its_anchor_forward(finished_case, case_worker_a):
    """No false alarm: an intact chain that grew since the last anchor is anchored at its new head."""
    from workflows.core.audit import audit_record

    chain = f"case:{finished_case.pk}"
    anchor_create()
    audit_record(action="case.review", target=finished_case, process_id=finished_case.pk, actor=case_worker_a)
    head = AuditChainHead.objects.get(chain=chain)
    assert anchor_create().anchored()[chain] == (head.seq, head.hash)
    assert history_verify().ok


def test_anchoring_runs_hourly_through_beat_by_default():
    """The beat entry anchors every HISTORY_ANCHOR_INTERVAL seconds (3,600 unless configured)."""
    entry = settings.CELERY_BEAT_SCHEDULE["anchor-history"]
    assert entry["task"] == "workflows.history.tasks.anchor_history"
    assert entry["schedule"] == float(settings.HISTORY_ANCHOR_INTERVAL) == 3600.0
    assert not [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("anchor_history_daily")]


def test_anchor_beat_task_records_an_anchor(finished_case):
    """The beat task writes one anchor over every head."""
    from workflows.history.tasks import anchor_history

    digest = anchor_history()
    assert HistoryAnchor.objects.get().hash == digest


@pytest.mark.parametrize(
    "html",
    ['<img src="http://127.0.0.1:9/x.png">', '<link rel="stylesheet" href="file:///etc/passwd">'],
)
def test_history_pdf_uses_the_offline_fetcher(html):
    """The case-file PDF refuses any URL but data: (the documents renderer's offline fetcher)."""
    with pytest.raises(FatalURLFetchingError):
        html_to_pdf(f"<html><body>{html}</body></html>")

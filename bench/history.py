"""Benchmark: case replay and chain verification at scale (issue 8 acceptance).

    .venv/bin/python -m bench.history [--chains 2000] [--per-chain 20] [--case-events 200]

Builds a throwaway test database (SQLite, or PostgreSQL when DATABASE_URL
says so), bulk-inserts one 200-event case and N chains x M events with
correct hashes, then times, each against a baseline measured in the same run:

- replay of the 200-event case to its last event (rows -> state + rule
  versions in force) vs a raw SELECT of the same 200 rows;
- ``verify_chains()`` over every chain vs a plain streaming SELECT of the
  same rows, and vs sha256 alone over the same canonical bytes;
- the daily anchor over all chain heads.

Prints a table and one JSON line. No assertions: numbers, baselines, ratios.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import statistics
import time


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.test")
    import django

    django.setup()


def timed(func, repeat=1):
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def make_chain(chain, n, start_time, process_id=None, targets=5):
    from workflows.core.audit import compute_hash, to_jsonable
    from workflows.core.models import AuditEvent

    prev, rows = "", []
    for seq in range(1, n + 1):
        target = seq % targets
        event = AuditEvent(
            chain=chain,
            seq=seq,
            occurred_at=start_time + datetime.timedelta(seconds=seq),
            action="task.started" if seq % 4 == 0 else "case.update",
            target_type="bench.target",
            target_id=str(target),
            process_id=process_id,
            changes=to_jsonable({"amount": [f"{seq - 1}.00", f"{seq}.00"], "note": [None, f"第 {seq} 次变更"]}),
            data={"task": seq // 4, "node": "review", "owner": None} if seq % 4 == 0 else {},
            prev_hash=prev,
        )
        event.hash = compute_hash(event)
        prev = event.hash
        rows.append(event)
    return rows


def run(chains, per_chain, case_events):
    from types import SimpleNamespace

    from django.db import connection, transaction
    from django.utils import timezone

    from tests.factories import configure_rules
    from workflows.core.audit import CONTENT_FIELDS, canonical_row, verify_chains
    from workflows.core.models import AuditChainHead, AuditEvent, County
    from workflows.history import selectors
    from workflows.history.services import anchor_create

    county = County.objects.create(code="990188", name="基准县")
    configure_rules(county)
    start = timezone.now() - datetime.timedelta(days=1)

    # --- data -----------------------------------------------------------
    t0 = time.perf_counter()
    case_pk = 10_000_000
    case_rows = make_chain(f"case:{case_pk}", case_events, start, process_id=case_pk)
    with transaction.atomic():
        AuditEvent.objects.bulk_create(case_rows, batch_size=2000)
        AuditChainHead.objects.create(chain=f"case:{case_pk}", seq=case_rows[-1].seq, hash=case_rows[-1].hash)
        batch, heads = [], []
        for i in range(chains):
            rows = make_chain(f"case:{i + 1}", per_chain, start, process_id=i + 1)
            batch.extend(rows)
            heads.append(AuditChainHead(chain=rows[0].chain, seq=rows[-1].seq, hash=rows[-1].hash))
            if len(batch) >= 10_000:
                AuditEvent.objects.bulk_create(batch, batch_size=2000)
                batch = []
        AuditEvent.objects.bulk_create(batch, batch_size=2000)
        AuditChainHead.objects.bulk_create(heads, batch_size=2000)
    load_s = time.perf_counter() - t0
    total_events = AuditEvent.objects.count()

    # --- replay of one 200-event case -------------------------------------
    process = SimpleNamespace(pk=case_pk, county=county)
    case_qs = AuditEvent.objects.filter(chain=f"case:{case_pk}").order_by("seq")
    replay_s, state = timed(lambda: selectors.replay(process), repeat=15)
    select_s, _rows = timed(lambda: list(case_qs.values_list(*CONTENT_FIELDS)), repeat=15)
    mid_s, _mid = timed(lambda: selectors.replay(process, case_events // 2), repeat=15)
    assert state.seq == case_events

    # --- verification of everything ------------------------------------------
    verify_s, report = timed(lambda: verify_chains(), repeat=3)
    assert report.ok and report.events == total_events, report.breaks[:3]
    scan_s, _n = timed(
        lambda: sum(
            1 for _ in AuditEvent.objects.order_by("chain", "seq").values(*CONTENT_FIELDS, "hash").iterator(5000)
        ),
        repeat=3,
    )
    bodies = [canonical_row(r) for r in AuditEvent.objects.values(*CONTENT_FIELDS).iterator(5000)]
    sha_s, _h = timed(lambda: [hashlib.sha256(b).hexdigest() for b in bodies], repeat=3)
    anchor_s, anchor = timed(anchor_create, repeat=1)

    return {
        "database": connection.vendor,
        "chains": chains + 1,
        "events": total_events,
        "load_seconds": round(load_s, 2),
        "replay_200_ms": round(replay_s * 1000, 2),
        "replay_to_mid_ms": round(mid_s * 1000, 2),
        "baseline_select_200_ms": round(select_s * 1000, 2),
        "replay_vs_select_ratio": round(replay_s / select_s, 2),
        "verify_seconds": round(verify_s, 3),
        "verify_events_per_s": round(total_events / verify_s),
        "baseline_scan_events_per_s": round(total_events / scan_s),
        "baseline_sha256_events_per_s": round(total_events / sha_s),
        "verify_vs_scan_ratio": round(verify_s / scan_s, 2),
        "verify_vs_sha256_ratio": round(verify_s / sha_s, 2),
        "anchor_seconds": round(anchor_s, 3),
        "anchor_chains": anchor.chain_count,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=2000)
    parser.add_argument("--per-chain", type=int, default=20)
    parser.add_argument("--case-events", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        result = run(args.chains, args.per_chain, args.case_events)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

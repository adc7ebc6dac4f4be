"""Province-scale dataset for the latency benchmarks (PostgreSQL only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_full \\
        .venv/bin/python -m bench.generate --cases 1000000 [--reset]

Fills a *dedicated* database with 10 counties x 20 townships x 5 villages,
one case worker and one approver per township (granted through the real
``assignment_grant``, so guardian rows and scope match production), and
``--cases`` dibao cases with one household and one member each. Every case
gets the viewflow rows the flow would have written: a ``viewflow_process``
row, its ``dibao_dibaoprocess`` child (multi-table inheritance, primary key
``process_ptr_id``) and one ``viewflow_task`` row per node passed, with
``owner`` / ``owner_permission`` / ``owner_permission_obj_pk`` set as
``View(...).Permission("core.act_...", obj=township_of)`` sets them.

Stage mix (deterministic per case): 55 % approved and 10 % refused (start,
7 human tasks and the end node, all DONE); 35 % open, waiting at acceptance,
home visit, proposal, section-chief or township-head signature with one NEW
(queue) or ASSIGNED (inbox) task. Machine nodes (If, Function, Handle, Timer)
are not generated: lists and inboxes only read human tasks. About 6.7 task
rows per case. Each case also gets its ``workspace_caseindex`` row (the staff
workspace's read model), with the values ``workflows.workspace.indexing`` would
write, read back from the stored rows (``fill_case_index``).

Rows are produced server-side with ``INSERT ... SELECT generate_series`` in
chunks (one transaction per chunk; a progress line on stderr). For big loads
the secondary indexes of the loaded tables are dropped first and rebuilt
afterwards, and foreign-key triggers are skipped (``session_replication_role =
replica``; superuser only, otherwise they stay on). Finally ANALYZE.

Idempotent: the region codes start with ``97``; if the generated cases are
already there (at least ``--cases``), nothing is written except missing case
index rows (a dataset generated before the workspace existed gets them). ``--reset`` deletes
every case, task and household in the database first (dedicated database!).
"""

from __future__ import annotations

import argparse
import sys
import time

COUNTIES = 10
TOWNSHIPS_PER_COUNTY = 20
VILLAGES_PER_TOWNSHIP = 5
COUNTY_CODE = "97{:02d}{:02d}"  # 970101 .. 970110
FLOW = "dibao/flows.DibaoFlow"
TASK_STRIDE = 8  # task ids: base + (case - 1) * 8 + seq

# (stage, seq, node, task type, role) - stage 100 approved, 101 refused, k = open at seq k
_HUMAN = [
    (2, "accept", "case_worker"),
    (3, "home_visit", "case_worker"),
    (4, "propose", "case_worker"),
    (5, "sign_handler", "case_worker"),
    (6, "sign_section_chief", "approver"),
    (7, "sign_township_head", "approver"),
]
OPEN_STAGES = (2, 3, 4, 6, 7)
LOADED_TABLES = (
    "viewflow_task",
    "viewflow_process",
    "dibao_dibaoprocess",
    "households_household",
    "households_householdmember",
)
CASE_INDEX = "workspace_caseindex"
SMALL_TABLES = ("core_county", "core_township", "core_village", "auth_user", "guardian_userobjectpermission")


def _paths() -> list[tuple]:
    rows = []
    for stage in (100, 101, *OPEN_STAGES):
        last = 8 if stage >= 100 else stage
        rows.append((stage, 1, "start", "START", None))
        for seq, node, role in _HUMAN:
            if seq <= last:
                rows.append((stage, seq, node, "HUMAN", role))
        if stage == 100:
            rows.append((stage, 8, "end_approved", "END", None))
        elif stage == 101:
            rows.append((stage, 8, "end_refused", "END", None))
        # sign_handler (seq 5) is passed by open stages 6 and 7 only
    return rows


_last_draw = [0.0]


def progress(label: str, done: int, total: int, started: float) -> None:
    """A one-line progress bar on stderr (redrawn at most 4 times a second)."""
    now = time.perf_counter()
    if done < total and now - _last_draw[0] < 0.25:
        return
    _last_draw[0] = now
    elapsed = now - started
    rate = done / elapsed if elapsed else 0
    eta = (total - done) / rate if rate else 0
    width = 30
    filled = int(width * done / total) if total else width
    sys.stderr.write(
        f"\r{label:12} [{'#' * filled}{'.' * (width - filled)}] {done:>9}/{total} "
        f"{rate:8.0f}/s  {elapsed:6.1f}s  eta {eta:5.0f}s"
    )
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def ensure_regions(log=print) -> dict:
    """Counties, townships, villages and two staff per township (idempotent)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from workflows.core.models import County, Township, Village
    from workflows.core.models.staff import Role
    from workflows.core.permissions import assignment_grant

    user_model = get_user_model()
    password = make_password(None)
    townships = []
    for c in range(1, COUNTIES + 1):
        code = COUNTY_CODE.format(1, c)
        county, _ = County.objects.get_or_create(code=code, defaults={"name": f"基准县{c:02d}"})
        for t in range(1, TOWNSHIPS_PER_COUNTY + 1):
            township, _ = Township.objects.get_or_create(
                code=f"{code}{t:03d}", defaults={"county": county, "name": f"基准县{c:02d}第{t:02d}镇"}
            )
            for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
                Village.objects.get_or_create(
                    code=f"{township.code}{v:03d}",
                    defaults={"township": township, "name": f"第{v}村", "is_urban": v == 1},
                )
            townships.append(township)
    started = time.perf_counter()
    for n, township in enumerate(townships, 1):
        for prefix, role in (("bw", Role.CASE_WORKER), ("ba", Role.APPROVER)):
            user, _ = user_model.objects.get_or_create(
                username=f"{prefix}_{township.code}", defaults={"password": password, "is_staff": True}
            )
            assignment_grant(user=user, role=role, region=township)
        progress("staff", n, len(townships), started)
    return {"townships": townships}


def _prepare_temp_tables(cursor) -> None:
    cursor.execute("DROP TABLE IF EXISTS bench_townships, bench_paths")
    cursor.execute(
        """
        CREATE TEMP TABLE bench_townships AS
        SELECT (row_number() OVER (ORDER BY t.code) - 1)::int AS t_idx,
               t.id AS township_id, t.county_id, t.code,
               (SELECT min(v.id) FROM core_village v WHERE v.township_id = t.id) AS village_base,
               w.id AS worker_id, a.id AS approver_id
          FROM core_township t
          JOIN auth_user w ON w.username = 'bw_' || t.code
          JOIN auth_user a ON a.username = 'ba_' || t.code
         WHERE t.code LIKE '97%%'
        """
    )
    cursor.execute("CREATE TEMP TABLE bench_paths (stage int, seq int, node text, ttype text, role text)")
    cursor.executemany("INSERT INTO bench_paths VALUES (%s, %s, %s, %s, %s)", _paths())
    cursor.execute("CREATE INDEX ON bench_paths (stage)")
    cursor.execute("ANALYZE bench_townships")
    cursor.execute("ANALYZE bench_paths")


# One chunk of cases [lo, hi]; %(…)s are the id bases and the township content type.
_CASES_CTE = """
    WITH c AS (
      SELECT i,
             %(pbase)s + i AS pid,
             %(hbase)s + i AS hid,
             CASE WHEN r < 55 THEN 100 WHEN r < 65 THEN 101 WHEN r < 72 THEN 2 WHEN r < 81 THEN 3
                  WHEN r < 88 THEN 4 WHEN r < 94 THEN 6 ELSE 7 END AS stage,
             (i * 40503 %% 65537) %% 2 = 0 AS claimed,
             %(t0)s::timestamptz + (i * interval '90 seconds') AS created,
             bt.*, bt.village_base + (i / 200 %% %(villages)s) AS village_id
        FROM (SELECT i, (i * 2654435761 %% 1000003) %% 100 AS r FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) i) g
        JOIN bench_townships bt ON bt.t_idx = g.i %% %(townships)s
    )
"""

_SQL = [
    (
        "households",
        """INSERT INTO households_household
             (id, area, address, phone, bank_account, created_at, county_id, township_id, village_id)
           SELECT hid, 'rural', '基准地址' || i, '', '', created, county_id, township_id, village_id FROM c""",
    ),
    (
        "members",
        """INSERT INTO households_householdmember
             (id, name, id_number, relation, is_student, is_disabled, has_serious_illness, can_work, household_id)
           SELECT %(mbase)s + i, '申请人' || i, 'B' || lpad(i::text, 17, '0'), 'applicant',
                  false, false, false, true, hid FROM c""",
    ),
    (
        "processes",
        """INSERT INTO viewflow_process (id, flow_class, status, created, finished, data)
           SELECT pid, %(flow)s, CASE WHEN stage >= 100 THEN 'DONE' ELSE 'NEW' END, created,
                  CASE WHEN stage >= 100 THEN created + interval '20 days' END, '{}'::jsonb FROM c""",
    ),
    (
        "cases",
        """INSERT INTO dibao_dibaoprocess
             (process_ptr_id, case_number, programme, channel, entrustment_note, tekun_no_work_ability,
              tekun_no_income, tekun_no_supporter, missing_materials, accepted_on, delegated, due_on,
              extension_reason, staff_relative, staff_relative_links, staff_relative_user_ids,
              county_visit_done, finance_outcome, finance_result, amount_computation, proposes_approval,
              proposed_amount, proposal_note, notice_round, objection_route, decision, decided_on,
              monthly_amount, refusal_reasons, recheck_pending, termination_reason,
              county_id, township_id, village_id, household_id, filed_by_id)
           SELECT pid,
                  'DB-' || code || '-' || extract(year FROM created AT TIME ZONE 'Asia/Shanghai')::int
                        || '-' || lpad(pid::text, 6, '0'),
                  'dibao', 'paper_case_worker', '', false, false, false, '[]'::jsonb,
                  CASE WHEN stage > 2 THEN (created + interval '1 day')::date END, true,
                  CASE WHEN stage > 2 THEN (created + interval '43 days')::date END,
                  '', false, '[]'::jsonb, '[]'::jsonb, false,
                  CASE WHEN stage > 3 THEN 'eligible' ELSE '' END, '{}'::jsonb, '{}'::jsonb,
                  CASE WHEN stage > 4 THEN stage <> 101 END,
                  CASE WHEN stage > 4 AND stage <> 101 THEN 300.00 + (i %% 200) END,
                  '', CASE WHEN stage > 4 THEN 1 ELSE 0 END, '',
                  CASE stage WHEN 100 THEN 'approved' WHEN 101 THEN 'refused' ELSE '' END,
                  CASE WHEN stage >= 100 THEN (created + interval '20 days')::date END,
                  CASE WHEN stage = 100 THEN 300.00 + (i %% 200) END,
                  '[]'::jsonb, false, '', county_id, township_id, village_id, hid, worker_id
             FROM c""",
    ),
    (
        "tasks",
        """INSERT INTO viewflow_task
             (id, flow_task, flow_task_type, status, created, started, finished, token, owner_permission,
              owner_id, process_id, owner_permission_content_type_id, owner_permission_obj_pk, assigned, data)
           SELECT %(tbase)s + (i - 1) * 8 + p.seq,
                  %(flow)s || '.' || p.node, p.ttype, s.status,
                  created + (p.seq - 1) * interval '2 days',
                  CASE WHEN s.status = 'DONE' THEN created + (p.seq - 1) * interval '2 days' + interval '1 hour' END,
                  CASE WHEN s.status = 'DONE' THEN created + (p.seq - 1) * interval '2 days' + interval '2 hours' END,
                  'start',
                  CASE p.role WHEN 'case_worker' THEN 'core.act_case_worker'
                              WHEN 'approver' THEN 'core.act_approver' END,
                  CASE WHEN s.status = 'NEW' OR p.ttype = 'END' THEN NULL
                       WHEN p.role = 'approver' THEN approver_id ELSE worker_id END,
                  pid,
                  CASE WHEN p.role IS NOT NULL THEN %(township_ct)s END,
                  CASE WHEN p.role IS NOT NULL THEN township_id::text END,
                  CASE WHEN s.status IN ('DONE', 'ASSIGNED') AND p.role IS NOT NULL
                       THEN created + (p.seq - 1) * interval '2 days' + interval '30 minutes' END,
                  '{}'::jsonb
             FROM c JOIN bench_paths p ON p.stage = c.stage
             CROSS JOIN LATERAL (SELECT CASE WHEN c.stage < 100 AND p.seq = c.stage
                                             THEN CASE WHEN claimed THEN 'ASSIGNED' ELSE 'NEW' END
                                             ELSE 'DONE' END AS status) s""",
    ),
]


# The staff workspace's read model (``workflows.workspace.indexing.index_values``) of the
# generated cases in process ids [lo, hi], read back from the stored rows: flow label,
# process status, case number, the applicant's name (first member with relation
# "applicant" by pk, else the first member; cut to 50), regions, due date (extended, else
# statutory), staff relative, decision date, outcome (approved/refused only) and monthly
# amount. DibaoProcess has no ``paperwork_pending`` (assist-first is false) and has
# ``accepted_on`` (no fallback to the creation date). Rows already indexed are kept.
_CASE_INDEX_SQL = """
    INSERT INTO workspace_caseindex
      (process_id, flow_label, status, case_number, applicant_name, county_id, township_id, village_id,
       due_on, staff_relative, assist_first_pending, accepted_on, decided_on, outcome, amount, refreshed_at)
    SELECT d.process_ptr_id, %(flow_label)s, p.status, coalesce(d.case_number, ''),
           left(coalesce(m.name, ''), 50), d.county_id, d.township_id, d.village_id,
           coalesce(d.extended_due_on, d.due_on), d.staff_relative, false, d.accepted_on, d.decided_on,
           CASE WHEN d.decision IN ('approved', 'refused') THEN d.decision ELSE '' END,
           d.monthly_amount, now()
      FROM dibao_dibaoprocess d
      JOIN viewflow_process p ON p.id = d.process_ptr_id
      LEFT JOIN LATERAL (SELECT hm.name FROM households_householdmember hm
                          WHERE hm.household_id = d.household_id
                          ORDER BY hm.relation = 'applicant' DESC, hm.id LIMIT 1) m ON true
     WHERE d.process_ptr_id BETWEEN %(lo)s AND %(hi)s
       AND p.flow_class = %(flow)s
       AND d.township_id IN (SELECT id FROM core_township WHERE code LIKE '97%%')
       AND NOT EXISTS (SELECT 1 FROM workspace_caseindex ci WHERE ci.process_id = d.process_ptr_id)
"""


def indexed_cases(cursor) -> int:
    """Generated cases with a ``CaseIndex`` row."""
    cursor.execute(
        "SELECT count(*) FROM workspace_caseindex ci JOIN core_township t ON t.id = ci.township_id"
        " WHERE t.code LIKE '97%%'"
    )
    return cursor.fetchone()[0]


def fill_case_index(*, chunk: int = 50_000, drop_indexes: bool | None = None) -> dict:
    """``CaseIndex`` rows for every generated case that has none (what ``manage.py
    workspace_reindex`` would write, in SQL): the workspace lists join it. Idempotent;
    also fills a dataset generated before the workspace existed."""
    from django.db import connection, transaction

    from workflows.dibao.flows import DibaoFlow

    started = time.perf_counter()
    with connection.cursor() as cursor:
        total = generated_cases(cursor)
        missing = total - indexed_cases(cursor)
        if missing <= 0:
            return {"case_index_rows": 0, "case_index_s": 0.0}
        cursor.execute(
            "SELECT min(d.process_ptr_id), max(d.process_ptr_id) FROM dibao_dibaoprocess d"
            " JOIN core_township t ON t.id = d.township_id WHERE t.code LIKE '97%%'"
        )
        first, last = cursor.fetchone()
        if drop_indexes is None:
            drop_indexes = missing >= 100_000
        dropped = _secondary_indexes(cursor, (CASE_INDEX,)) if drop_indexes else []
        if dropped:  # no index DDL while deferred FK checks are pending (inside a transaction)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _definition in dropped:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    params = {"flow": FLOW, "flow_label": DibaoFlow.instance.flow_label}
    written = 0
    try:
        for lo in range(first, last + 1, chunk):
            hi = min(last, lo + chunk - 1)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_CASE_INDEX_SQL, {**params, "lo": lo, "hi": hi})
                written += cursor.rowcount
            progress("case index", hi - first + 1, last - first + 1, started)
    finally:
        with connection.cursor() as cursor:
            for _name, definition in dropped:
                cursor.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
            cursor.execute(f"ANALYZE {CASE_INDEX}")
            # The small tables the lists join (regions, staff, their permissions): without
            # statistics the planner takes core_village for 260 rows and picks nested loops.
            for table in SMALL_TABLES:
                cursor.execute(f"ANALYZE {table}")
    return {"case_index_rows": written, "case_index_s": round(time.perf_counter() - started, 1)}


def _secondary_indexes(cursor, tables=LOADED_TABLES) -> list[tuple[str, str]]:
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i
             JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""",
        [list(tables)],
    )
    return cursor.fetchall()


def generated_cases(cursor) -> int:
    cursor.execute(
        "SELECT count(*) FROM dibao_dibaoprocess d JOIN core_township t ON t.id = d.township_id"
        " WHERE t.code LIKE '97%%'"
    )
    return cursor.fetchone()[0]


def reset(cursor) -> None:
    cursor.execute(
        "TRUNCATE workspace_caseindex, viewflow_task_previous, viewflow_task, viewflow_process, dibao_dibaoprocess,"
        " households_householdmember, households_household CASCADE"
    )


def generate(cases: int, *, chunk: int = 50_000, drop_indexes: bool | None = None, log=print) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from workflows.core.models import Township

    started = time.perf_counter()
    ensure_regions()
    township_ct = ContentType.objects.get_for_model(Township).pk
    with connection.cursor() as cursor:
        existing = generated_cases(cursor)
        if existing >= cases:
            filled = fill_case_index(chunk=chunk)
            log(f"dataset present: {existing} generated cases (>= {cases}); case index: {filled}")
            return {"cases": existing, "generated": 0, "seconds": 0.0, **filled}
        if existing:
            log(f"{existing} generated cases present (< {cases}): run with --reset to rebuild")
            return {"cases": existing, "generated": 0, "seconds": 0.0}
        _prepare_temp_tables(cursor)
        bases = {}
        for key, table in (("pbase", "viewflow_process"), ("hbase", "households_household"),
                           ("mbase", "households_householdmember"), ("tbase", "viewflow_task")):  # fmt: skip
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            bases[key] = cursor.fetchone()[0]
        if drop_indexes is None:
            drop_indexes = cases >= 100_000
        dropped = _secondary_indexes(cursor) if drop_indexes else []
        for name, _definition in dropped:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        try:
            cursor.execute("SET session_replication_role = replica")
            fk_triggers = "skipped"
        except Exception:  # not a superuser: keep the checks
            fk_triggers = "on"
    params = {
        **bases,
        "flow": FLOW,
        "township_ct": township_ct,
        "townships": COUNTIES * TOWNSHIPS_PER_COUNTY,
        "villages": VILLAGES_PER_TOWNSHIP,
        "t0": "2023-01-01T08:00:00+08:00",
    }
    load_started = time.perf_counter()
    try:
        for lo in range(1, cases + 1, chunk):
            hi = min(cases, lo + chunk - 1)
            with transaction.atomic(), connection.cursor() as cursor:
                for _label, sql in _SQL:
                    cursor.execute(_CASES_CTE + sql, {**params, "lo": lo, "hi": hi})
            progress("cases", hi, cases, load_started)
    finally:  # put the indexes back even if the load failed
        load_s = time.perf_counter() - load_started
        with connection.cursor() as cursor:
            if fk_triggers == "skipped":
                cursor.execute("SET session_replication_role = DEFAULT")
            index_started = time.perf_counter()
            for n, (_name, definition) in enumerate(dropped, 1):
                cursor.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
                progress("indexes", n, len(dropped), index_started)
            index_s = time.perf_counter() - index_started
    with connection.cursor() as cursor:
        for table, column in (("viewflow_process", "id"), ("households_household", "id"),
                              ("households_householdmember", "id"), ("viewflow_task", "id")):  # fmt: skip
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT coalesce(max({column}), 1) FROM {table}))"
            )
        analyze_started = time.perf_counter()
        for table in LOADED_TABLES:
            cursor.execute(f"ANALYZE {table}")
        analyze_s = time.perf_counter() - analyze_started
        cursor.execute("SELECT count(*) FROM viewflow_task")
        tasks = cursor.fetchone()[0]
    filled = fill_case_index(chunk=chunk, drop_indexes=drop_indexes)
    total_s = time.perf_counter() - started
    summary = {
        "cases": cases,
        "tasks": tasks,
        "generated": cases,
        "load_s": round(load_s, 1),
        "index_rebuild_s": round(index_s, 1),
        "analyze_s": round(analyze_s, 1),
        "seconds": round(total_s, 1),
        "fk_triggers": fk_triggers,
        **filled,
    }
    log(f"generated {cases} cases, {tasks} tasks in {total_s:.1f}s ({summary})")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--reset", action="store_true", help="delete all cases/tasks/households first")
    args = parser.parse_args(argv)
    from bench.common import ensure_schema, setup_django

    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        parser.error("the generator needs PostgreSQL: set DATABASE_URL to a dedicated database")
    ensure_schema()
    if args.reset:
        with connection.cursor() as cursor:
            reset(cursor)
    generate(args.cases, chunk=args.chunk)


if __name__ == "__main__":
    main()

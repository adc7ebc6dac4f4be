"""Indexes on viewflow's tables that the staff lists need at province scale.

Measured with ``bench.latency`` on 1 M cases / 6.7 M tasks (docs/performance.md):
the queue probed ``viewflow_task(process_id)`` once per case of the township
and filtered every task of the case; the inbox and-ed two large bitmaps
(owner, status); the raw "same rows" reads had no index to use.

viewflow's models belong to another app, so ``AddIndex`` cannot target them:
plain SQL, ``IF NOT EXISTS`` (PostgreSQL and SQLite both accept it, including
partial indexes with WHERE).
"""

from django.db import migrations

INDEXES = {
    # queue: claimable tasks of a case (status NEW) - a tiny partial index
    # probed per case of the user's townships
    "vf_task_new_by_process": "viewflow_task (process_id) WHERE status = 'NEW'",
    # queue read straight from the permission a task carries (raw SQL, future workspace)
    "vf_task_new_by_permission": (
        "viewflow_task (owner_permission, owner_permission_obj_pk, created DESC) WHERE status = 'NEW'"
    ),
    # inbox (owner, ASSIGNED, newest first) and archive (owner, finished)
    "vf_task_owner_status_created": "viewflow_task (owner_id, status, created DESC)",
    "vf_task_owner_finished_created": "viewflow_task (owner_id, created DESC) WHERE finished IS NOT NULL",
    # process lists per flow and status, newest first
    "vf_process_flow_status_created": "viewflow_process (flow_class, status, created DESC)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_permissions_duties"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]

"""A partial index of the NEW tasks that carry no permission (issue 19 item 4).

The queue's "no permission required" alternative (``scope.claimable_q``, one arm of the
union) asks for ``status = 'NEW' AND owner_permission IS NULL``. A third of all task rows
(start and end nodes, finished) have no permission, so the planner estimates tens of
thousands of such NEW tasks, and without an index that names the predicate it scanned
every NEW task through ``vf_task_new_by_process`` and filtered: 175,000 rows, 50 ms of the
approver's queue count at 1 M cases, for an arm that is empty in practice (human tasks
always name their permission). An index with exactly that predicate is tiny and answers
the arm in microseconds (queue page at 1 M: 255 → 80 ms, workspace queue 345 → 71 ms;
docs/performance.md).
"""

from django.db import migrations

NAME = "vf_task_new_unowned"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0012_separation_rule"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON viewflow_task (id) WHERE status = 'NEW' AND owner_permission IS NULL",
            f"DROP INDEX IF EXISTS {NAME}",
        )
    ]

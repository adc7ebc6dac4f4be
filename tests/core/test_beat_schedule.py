"""Every periodic task is scheduled, and beat schedules only periodic tasks (issue 15 item 7).

A task that beat must run is marked ``@periodic`` (workflows/core/tasks.py); its entry
lives in ``CELERY_BEAT_SCHEDULE``. A missing entry means the work never happens in a
deployment (overdue alerts were never raised); an entry naming a missing task fails
silently in beat.
"""

import inspect

import pytest

from project.celery import app
from workflows.core.tasks import PERIODIC_TASKS


@pytest.fixture(scope="module", autouse=True)
def _all_tasks_imported():
    # The same autodiscovery the worker and beat do: every app's tasks.py.
    app.loader.import_default_modules()


def schedule_problems(schedule: dict, periodic: dict, registered) -> list[str]:
    """What is wrong between the beat schedule and the marked tasks (empty when right)."""
    problems = []
    scheduled = {entry["task"] for entry in schedule.values()}
    for name in sorted(set(periodic) - scheduled):
        problems.append(f"periodic task {name} has no beat entry")
    for entry_name, entry in schedule.items():
        task_name = entry["task"]
        if task_name not in registered:
            problems.append(f"beat entry {entry_name} names unknown task {task_name}")
            continue
        if task_name not in periodic:
            problems.append(f"beat entry {entry_name} runs {task_name}, which is not marked @periodic")
        try:
            inspect.signature(registered[task_name].run).bind(*entry.get("args", ()), **entry.get("kwargs", {}))
        except TypeError as exc:
            problems.append(f"beat entry {entry_name} cannot call {task_name}: {exc}")
    return problems


def test_every_periodic_task_has_a_beat_entry_and_every_entry_a_periodic_task(settings):
    """The real schedule and the marked tasks agree, in both directions."""
    assert schedule_problems(settings.CELERY_BEAT_SCHEDULE, PERIODIC_TASKS, app.tasks) == []


def test_overdue_alerts_are_scheduled(settings):
    """MSL 22/15/17/21 deadlines are only enforced if beat runs the overdue alert job."""
    assert "workflows.dibao.tasks.alert_overdue_cases" in PERIODIC_TASKS
    assert "workflows.dibao.tasks.alert_overdue_cases" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}


def test_caseload_rechecks_and_phase_outs_are_scheduled(settings):
    """MSL 31: due re-checks are opened, and N22 1(3): ended phase-outs are stopped, only if
    beat runs their jobs."""
    scheduled = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in ("workflows.caseload.tasks.open_due_rechecks", "workflows.caseload.tasks.end_phase_outs"):
        assert task in PERIODIC_TASKS and task in scheduled


def test_removing_an_entry_is_noticed(settings):
    """Dropping the overdue-alert entry from the schedule is reported as a missing entry."""
    schedule = {
        key: entry
        for key, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] != "workflows.dibao.tasks.alert_overdue_cases"
    }
    assert schedule_problems(schedule, PERIODIC_TASKS, app.tasks) == [
        "periodic task workflows.dibao.tasks.alert_overdue_cases has no beat entry"
    ]


def test_an_entry_for_a_missing_or_unmarked_task_is_noticed(settings):
    """A typo in a task name, and a scheduled task nobody marked periodic, are both reported."""
    schedule = dict(settings.CELERY_BEAT_SCHEDULE)
    schedule["typo"] = {"task": "workflows.dibao.tasks.alert_overdue_casez", "schedule": 60.0}
    schedule["unmarked"] = {"task": "workflows.sampling.tasks.start_reviews", "schedule": 60.0}
    problems = schedule_problems(schedule, PERIODIC_TASKS, app.tasks)
    assert "beat entry typo names unknown task workflows.dibao.tasks.alert_overdue_casez" in problems
    assert "beat entry unmarked runs workflows.sampling.tasks.start_reviews, which is not marked @periodic" in problems
    # start_reviews needs a draw: beat could not call it with no arguments.
    assert any(p.startswith("beat entry unmarked cannot call") for p in problems)


def test_overdue_monitoring_signals_are_raised(settings):
    """LI23: a signal not handled within the county's time is raised as overdue only if beat
    runs the monitoring job."""
    task = "workflows.monitoring.tasks.raise_overdue_signals"
    assert task in PERIODIC_TASKS and task in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}

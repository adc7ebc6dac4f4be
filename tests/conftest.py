"""Shared fixtures: a county with townships A and B, and one named user per role.

Naming: ``<role>_a`` acts in township A, ``<role>_b`` in township B; county
roles cover both. ``outsider`` has no assignment at all.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
import weakref
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created

from tests import factories
from workflows.core.models import CalendarDay, County, Township, Village
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant

ROOT = Path(__file__).resolve().parent.parent


def _flush_past_truncate_guards() -> None:
    """Let the test runner's flush (TRUNCATE between transactional tests) pass the
    append-only tables' TRUNCATE triggers: they are disabled and re-enabled inside the
    flush's own transaction, as only the table owner (the test role) can. Production
    code has no such path: there TRUNCATE of those tables is refused."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    from workflows.core.dbguards import GUARDED_TABLES, trigger_name

    original = DatabaseOperations.sql_flush
    if getattr(original, "_passes_truncate_guards", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if not sql:
            return sql
        guards = [(t, trigger_name(t)) for t in GUARDED_TABLES]
        return [
            *(f"ALTER TABLE IF EXISTS {t} DISABLE TRIGGER {g};" for t, g in guards),
            *sql,
            *(f"ALTER TABLE IF EXISTS {t} ENABLE TRIGGER {g};" for t, g in guards),
        ]

    sql_flush._passes_truncate_guards = True
    DatabaseOperations.sql_flush = sql_flush


_flush_past_truncate_guards()


# --- database sessions left open at the end of the run (PostgreSQL) -------------------------
# Every connection the test process opens is remembered with its thread and where it was opened.
# At the end of the session, before the test database is dropped, one still open (a thread that
# outlived its test, or a contextvars context the final close does not reach) is closed and
# written to test-artifacts/open-connections-<worker>.txt with the other sessions PostgreSQL
# still has on the test database: otherwise the drop fails at the worker's teardown ("database
# ... is being accessed by other users") and says nothing of where the session came from.
_OPENED_CONNECTIONS: list[tuple[weakref.ref, str, str]] = []


def _remember_connection(sender, connection, **kwargs):
    where = "".join(traceback.format_list(traceback.extract_stack(limit=30)[:-2]))
    _OPENED_CONNECTIONS.append((weakref.ref(connection), threading.current_thread().name, where))


connection_created.connect(_remember_connection, dispatch_uid="tests-opened-connections")


def _report_open_connections(django_db_blocker) -> None:
    """Before the test database is dropped: close and report what is still open on it (above)."""
    if connection.vendor != "postgresql":
        return  # SQLite's in-memory test database: Django never closes it, nothing is dropped
    current = {id(connections[alias]) for alias in connections}
    still_open = [(w, thread, where) for ref, thread, where in _OPENED_CONNECTIONS if (w := ref()) and w.connection]
    left = [(w, thread, where) for w, thread, where in still_open if id(w) not in current]
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        mine = [w.connection.info.backend_pid for w, _thread, _where in still_open]
        cursor.execute(
            "SELECT pid, backend_start, state, left(query, 200) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )
        others = [row for row in cursor.fetchall() if row[0] not in mine]
    if not left and not others:
        return
    lines = [f"test database {connection.settings_dict['NAME']} at the end of the run:"]
    for wrapper, thread, where in left:
        lines.append(f"- a connection opened in thread {thread!r}, closed now; opened at:\n{where}")
        wrapper.connection.close()
    lines += [f"- another session (pid, start, state, last query): {row}" for row in others]
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (artifacts / f"open-connections-{worker}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- one migrated test database per run (xdist) ---------------------------------------------
# Each xdist worker has its own test database (pytest-django suffixes its name with the worker
# id), and each migrated it from scratch: the same minutes of CPU once per worker, both at once
# at the start of the run. Now the first worker to get there migrates its database as before and
# leaves a copy of it as the run's template (PostgreSQL: a database ``<test name>_tpl``; SQLite:
# a file in the run's temporary directory); the other workers wait on a file lock and then
# copy it (``CREATE DATABASE ... TEMPLATE``; SQLite's backup API into their in-memory
# database), seconds instead of minutes. The run's controller drops the template when all
# workers are done (``pytest_sessionfinish`` below). Without xdist, with --reuse-db (keepdb:
# every worker keeps and re-migrates its own database) or --nomigrations, and for a file-based
# SQLite test database, each process sets up its database as pytest-django does.
TEMPLATE_SUFFIX = "_tpl"
TEMPLATES_BUILT = "test-db-templates.txt"  # in the run's temporary directory: alias, vendor, template


def _run_dir(config) -> Path:
    """The temporary directory of the whole run: the controller's basetemp, the parent of each
    worker's (xdist gives a worker ``<controller basetemp>/<worker id>``)."""
    return config._tmp_path_factory.getbasetemp().parent


def _template_name(conn, worker: str) -> str | None:
    """The run's template of ``conn``'s test database, or None where none is used."""
    if conn.vendor == "postgresql":
        return conn.creation._get_test_db_name().removesuffix(f"_{worker}") + TEMPLATE_SUFFIX
    if conn.vendor == "sqlite" and conn.creation.is_in_memory_db(conn.creation._get_test_db_name()):
        return f"test_{conn.alias}{TEMPLATE_SUFFIX}.sqlite3"
    return None


def _template_save(conn, template: str, run_dir: Path) -> None:
    """Copy ``conn``'s freshly migrated test database to ``template``."""
    if conn.vendor == "postgresql":
        name = conn.settings_dict["NAME"]
        conn.close()  # CREATE DATABASE ... TEMPLATE needs the source without sessions
        with conn.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {conn.ops.quote_name(template)}")
            cursor.execute(f"CREATE DATABASE {conn.ops.quote_name(template)} TEMPLATE {conn.ops.quote_name(name)}")
    else:
        conn.ensure_connection()
        target = sqlite3.connect(run_dir / template)
        try:
            conn.connection.backup(target)
        finally:
            target.close()


def _template_clone(conn, template: str, run_dir: Path, verbosity: int) -> str:
    """Make ``conn``'s test database a copy of the run's ``template``, in place of
    ``create_test_db`` (whose switch of the connection's NAME it repeats); returns the
    database's own name, as ``setup_databases`` would."""
    from django.conf import settings

    name = conn.creation._get_test_db_name()
    if verbosity >= 1:
        conn.creation.log(f"Copying test database for alias {conn.alias!r} from the run's template {template}...")
    conn.close()
    if conn.vendor == "postgresql":
        with conn.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {conn.ops.quote_name(name)}")
            cursor.execute(f"CREATE DATABASE {conn.ops.quote_name(name)} TEMPLATE {conn.ops.quote_name(template)}")
    settings.DATABASES[conn.alias]["NAME"] = name
    conn.settings_dict["NAME"] = name
    conn.ensure_connection()
    if conn.vendor == "sqlite":
        source = sqlite3.connect(f"file:{run_dir / template}?mode=ro", uri=True)
        try:
            source.backup(conn.connection)
        finally:
            source.close()
    return name


def _setup_from_template(request, aliases, serialized_aliases, verbosity):
    """``setup_databases`` for an xdist worker (see above); returns its ``old_config``, or None
    where a database is of a kind without a template (the caller then sets up as usual)."""
    worker = request.config.workerinput["workerid"]
    templates = {alias: _template_name(connections[alias], worker) for alias in aliases}
    if (
        not aliases
        or None in templates.values()
        or any(connections[a].settings_dict["TEST"]["MIRROR"] for a in aliases)
    ):
        return None
    run_dir = _run_dir(request.config)
    old_config = []
    with open(run_dir / "test-db.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held while migrating: the others wait for its template
        built = (run_dir / TEMPLATES_BUILT).read_text().split() if (run_dir / TEMPLATES_BUILT).exists() else []
        for alias in sorted(aliases):
            conn, template = connections[alias], templates[alias]
            old_name = conn.settings_dict["NAME"]
            if template in built:
                _template_clone(conn, template, run_dir, verbosity)
            else:
                conn.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
                _template_save(conn, template, run_dir)
                with open(run_dir / TEMPLATES_BUILT, "a") as listed:
                    listed.write(f"{alias} {conn.vendor} {template}\n")
            if alias in serialized_aliases:
                conn._test_serialized_contents = conn.creation.serialize_db_to_string()
            old_config.append((conn, old_name, True))
    return old_config


def _templates_drop(config) -> None:
    """The controller of an xdist run, when every worker is done: drop the templates built."""
    listed = config._tmp_path_factory.getbasetemp() / TEMPLATES_BUILT  # the workers' _run_dir
    if not listed.exists():
        return
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        for line in listed.read_text().splitlines():
            alias, vendor, template = line.split()
            if vendor == "postgresql":
                conn = connections[alias]
                with conn.creation._nodb_cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS {conn.ops.quote_name(template)}")
            else:
                (listed.parent / template).unlink(missing_ok=True)
    listed.unlink()


# The test this process runs after each test (None after its last): set by the hook below, read
# by ``tests/e2e/conftest.py new_page``, which keeps its browser open for a next browser test.
NEXT_ITEM = pytest.StashKey()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    item.stash[NEXT_ITEM] = nextitem
    return (yield)


def pytest_sessionfinish(session):
    if session.config.pluginmanager.hasplugin("dsession"):  # the controller of an xdist run
        _templates_drop(session.config)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's test database set-up (``pytest_django.fixtures.django_db_setup``), with
    the database of an xdist worker copied from the run's template (above); its tear-down
    first closes and reports what is still open on the database (above)."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    if not django_db_use_migrations:
        _disable_migrations()
    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        old_config = None
        if hasattr(request.config, "workerinput") and django_db_use_migrations and not keepdb:
            old_config = _setup_from_template(request, aliases, serialized_aliases, verbosity)
        if old_config is None:
            old_config = setup_databases(verbosity=verbosity, interactive=False, aliases=aliases,
                                         serialized_aliases=serialized_aliases, keepdb=keepdb)  # fmt: skip
    yield
    _report_open_connections(django_db_blocker)
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(old_config, verbosity=verbosity)
            except Exception as exc:
                request.node.warn(pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}"))


@dataclass
class Region:
    county: County
    township_a: Township
    township_b: Township
    village_a: Village
    village_a2: Village
    village_b: Village


@pytest.fixture
def region(db) -> Region:
    return region_build()


def region_build() -> Region:
    """The county of ``region`` with its townships, villages and rules (for fixtures of a wider
    scope than the function's ``region``)."""
    county = factories.CountyFactory(code="990101", name="示范县")
    ta = factories.TownshipFactory(county=county, code="990101001", name="青山镇")
    tb = factories.TownshipFactory(county=county, code="990101002", name="河口镇")
    region = Region(
        county=county,
        township_a=ta,
        township_b=tb,
        village_a=factories.VillageFactory(township=ta, code="990101001001", name="青山村"),
        village_a2=factories.VillageFactory(township=ta, code="990101001002", name="石桥村"),
        village_b=factories.VillageFactory(township=tb, code="990101002001", name="河口村"),
    )
    factories.configure_rules(county)
    return region


def _staff(username, role, region_obj):
    user = factories.UserFactory(username=username)
    assignment_grant(user=user, role=role, region=region_obj, actor=None)
    return user


@pytest.fixture
def case_worker_a(region):
    return _staff("worker_a", Role.CASE_WORKER, region.township_a)


@pytest.fixture
def case_worker_a2(region):
    """A second case worker of township A (two investigators, MSL 16)."""
    return _staff("worker_a2", Role.CASE_WORKER, region.township_a)


@pytest.fixture
def approver_a(region):
    return _staff("approver_a", Role.APPROVER, region.township_a)


@pytest.fixture
def village_assistant_a(region):
    return _staff("assistant_a", Role.VILLAGE_ASSISTANT, region.village_a)


@pytest.fixture
def case_worker_b(region):
    return _staff("worker_b", Role.CASE_WORKER, region.township_b)


@pytest.fixture
def approver_b(region):
    return _staff("approver_b", Role.APPROVER, region.township_b)


@pytest.fixture
def county_officer(region):
    return _staff("county_officer", Role.COUNTY_OFFICER, region.county)


@pytest.fixture
def county_reviewer(region):
    return _staff("county_reviewer", Role.COUNTY_REVIEWER, region.county)


@pytest.fixture
def auditor(region):
    return _staff("auditor", Role.AUDITOR, region.county)


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="outsider")


@pytest.fixture
def client_for(client):
    """``client_for(user)`` -> a test client logged in as ``user``."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture
def fixed_calendar(db):
    """A fixed, known calendar: National Day 2026 (Oct 1-7 off, Sep 20 and Oct 10 worked)."""
    CalendarDay.objects.all().delete()
    for d in range(1, 8):
        day = datetime.date(2026, 10, d)
        CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    for day in (datetime.date(2026, 9, 20), datetime.date(2026, 10, 10)):
        CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.WORKDAY, name="国庆节调休")
    return CalendarDay.objects.all()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


requires_postgres = pytest.mark.skipif(
    "DATABASE_URL" not in os.environ or not os.environ["DATABASE_URL"].startswith("postgres"),
    reason="needs PostgreSQL (row locks); set DATABASE_URL",
)
requires_broker = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs a real broker; set CELERY_BROKER_URL"
)


@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """Start a real Celery worker (separate OS process) on the configured broker.

    The worker uses the *test* database, so the test must be transactional
    (data committed). Tasks are published for real: ``CELERY_TASK_ALWAYS_EAGER``
    is switched off for the duration. Yields a handle with ``kill()`` and
    ``restart()`` for crash tests.
    """
    from project.celery import app

    broker = os.environ["CELERY_BROKER_URL"]
    db_name = connection.settings_dict["NAME"]
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    app.conf.broker_url = broker

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.test",
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": queue,
        "WORKER_TEST_DB_NAME": db_name,
        "PYTHONPATH": str(ROOT),
    }

    class Worker:
        proc = None

        def start(self):
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tests.worker_app", "worker",
                 "-Q", queue, "-c", "2", "--pool", "prefork", "-l", "WARNING", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, start_new_session=True,
            )  # fmt: skip
            return self

        def kill(self):
            """SIGKILL the whole worker process group (no graceful shutdown)."""
            if self.proc and self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

        def stop(self):
            if self.proc and self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill()

        def restart(self):
            self.kill()
            return self.start()

    worker = Worker().start()
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager = True
        app.conf.task_default_queue = "celery"
        try:
            with app.connection_for_write() as conn:
                conn.default_channel.queue_purge(queue)
        except Exception:  # noqa: S110 - the queue may never have been declared
            pass


def wait_until(predicate, timeout=30.0, interval=0.1):
    """Poll ``predicate`` until it is truthy or ``timeout`` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture
def refused_url():
    """``http://127.0.0.1:<port>`` that refuses connections: a socket bound to a free port
    that never listens, held for the test (no other process can take the port meanwhile)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.fixture(autouse=True)
def _no_fixed_registry_port(refused_url, settings, monkeypatch):
    """No test depends on what listens on the sandbox's demo port (8765) of this machine: the
    registries refuse unless a test starts the sandbox (``registry_sandbox``, port 0). The
    environment carries it to worker processes started by the test."""
    settings.FINANCE_CHECK_SANDBOX_URL = refused_url
    monkeypatch.setenv("REGISTRY_SANDBOX_URL", refused_url)


@pytest.fixture(autouse=True)
def _celery_join_flag_cleared():
    """Celery keeps "joining a result would block" in one process-wide flag, which it sets and
    restores around every eager task. Eager tasks run from several threads at once (the
    concurrency tests) can leave it set when their restores interleave, and a later test's
    ``result.get()`` then fails: every test starts with it cleared (no order dependence)."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _default_language_restored():
    """A request in English (language cookie, LocaleMiddleware) leaves English active in this
    thread after the response; a later test that renders a label outside a request would then
    read English. Every test ends with the default language (zh-Hans) again (no order dependence)."""
    from django.utils import translation

    yield
    translation.deactivate()


# Tests that open dozens of PostgreSQL connections at once (50 concurrent clients): two of
# them on two xdist workers at the same moment exceed the server's max_connections
# ("sorry, too many clients already"), so they run one after another on one worker.
CONNECTION_HEAVY = ("test_concurrency", "__race", "test_chain_heads")


# The browser tests are split into this many xdist groups (one browser per worker on the
# 2-core machine): one group held them all, and its serial sum (~5 minutes idle) was the floor
# of the suite's wall time.
BROWSER_GROUPS = 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Under xdist (``--dist loadgroup``) the tests that drive chromium against the live server
    run one after another within a browser group (whole files alternate between the
    ``BROWSER_GROUPS`` groups in path order: about equal halves, and a file's tests share one
    worker), as do the tests that start a real Celery worker: more than one browser or two
    Celery worker pools per core would slow each other past their timeouts; and so do the tests
    with dozens of concurrent connections. xdist puts the groups with the most tests first, so
    each worker starts with a browser group."""
    browser_files = sorted({item.path for item in items if _uses_browser(item)})
    for item in items:
        names = getattr(item, "fixturenames", ())
        if _uses_browser(item):
            group = browser_files.index(item.path) % BROWSER_GROUPS
            item.add_marker(pytest.mark.xdist_group(f"browser{group}"))
        elif "celery_worker_process" in names:
            item.add_marker(pytest.mark.xdist_group("celery_worker"))
        elif any(part in item.nodeid for part in CONNECTION_HEAVY):
            item.add_marker(pytest.mark.xdist_group("many_connections"))
    _xdist_groups_in_node_ids(config, items)


def _xdist_groups_in_node_ids(config, items) -> None:
    """pytest-xdist 3.8 tells its scheduler a test's ``xdist_group`` by appending ``@<group>`` to
    ``item._nodeid``, which pytest 9 no longer reads (a node's id is ``item._id``): every test
    was then a group of its own, and no group above held (collectstatic ran on both workers,
    browsers and Celery pools ran side by side). This does the same on ``item._id``, once, in
    the xdist workers of ``--dist loadgroup`` (the only place xdist sets ``loadgroup``).
    Drop it when pytest-xdist writes the id pytest 9 reads."""
    from _pytest.nodeid import coerce_node_id

    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})  # fmt: skip
        suffix = f"@{'_'.join(names)}"
        if names and not item.nodeid.endswith(suffix):
            item._id = coerce_node_id(item.nodeid + suffix)


def _uses_browser(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "new_page" in names or "live_server" in names

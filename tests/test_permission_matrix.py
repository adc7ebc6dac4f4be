"""The generated permission matrix (domain.md §1; issue 7).

For every URL pattern the project serves and every role, with an in-scope and
an out-of-scope case, the response must be what the rules in
``workflows.core.permission_matrix`` say: out of scope is always 404 (the
case's existence is never revealed), anonymous users are sent to the login
page, only roles holding a node's permission on the case's region may claim
its task. A URL without a matrix entry fails with its route printed.

Run alone: ``.venv/bin/pytest tests/test_permission_matrix.py -q``. To add
entries, see the docstring of ``workflows/core/permission_matrix/__init__.py``.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from fnmatch import fnmatchcase

import pytest
from django.core.signals import got_request_exception
from django.db import models, transaction
from django.test import Client
from django.utils import timezone
from viewflow.workflow.status import STATUS

from tests import factories
from tests.conftest import region_build
from workflows.core import permission_matrix as pm
from workflows.core.permissions import assignment_grant

# "app_label.model" -> callable(flow_class, county, township, village) -> process,
# for process models that cannot be created from their regions alone.
CASE_FACTORIES: dict[str, Callable] = {}


def _once(built: dict, key, make):
    """Objects shared by slots (slots a and a2 share township A and the county) are built once."""
    if key not in built:
        built[key] = make()
    return built[key]


def _fund_allocation(*, township, officer, built, **_):
    from workflows.funds.services import fund_allocate

    return _once(
        built,
        ("fund", township.pk),
        lambda: fund_allocate(
            township=township,
            budget_year=timezone.localdate().year,
            amount=Decimal("1000.00"),
            reason="matrix",
            actor=officer,
        ),
    )


def _draw(*, county, built, **_):
    from workflows.sampling.services import draw_run

    # an ended period with an empty pool: the draw row is what the pages need
    return _once(
        built,
        ("draw", county.pk),
        lambda: draw_run(
            county=county,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 1, 31),
            seed=1,
            start_reviews=False,
        ),
    )


def _document(*, case, **_):
    from workflows.documents.models import CaseDocument
    from workflows.documents.services import document_store

    return document_store(
        process_id=case.pk, kind=CaseDocument.Kind.OTHER, filename="matrix.pdf", content=b"%PDF-1.4 matrix", actor=None
    )


def _register_line(*, county, officer, built, **_):
    from tests.factories import make_id_number
    from workflows.dibao.register import RegisterLineInput, staff_register_line_save

    line = RegisterLineInput(
        county=county, staff_name="矩阵", staff_id_number=make_id_number(datetime.date(1980, 1, 1), seq=county.pk % 900),
        position="township_staff", relation="self",
    )  # fmt: skip
    return _once(built, ("register_line", county.pk), lambda: staff_register_line_save(line=line, actor=officer))


def _case_link(case) -> dict:
    return {"process_id": case.pk, "case_ref": case.case_number or f"#{case.pk}", "county_id": case.county_id,
            "township_id": case.township_id, "village_id": case.village_id}  # fmt: skip


def _referral(*, case, officer, **_):
    from workflows.cooperation.models import Referral

    today = timezone.localdate()
    return Referral.objects.create(
        **_case_link(case), department="medical", need="matrix", referred_on=today, due_on=today, created_by=officer
    )


def _conference_action(*, case, officer, **_):
    from workflows.cooperation.models import Conference, ConferenceAction

    today = timezone.localdate()
    conference = Conference.objects.create(
        **_case_link(case), held_on=today, departments=["civil_affairs"], participants="matrix", decision="matrix",
        recorded_by=officer,
    )  # fmt: skip
    return ConferenceAction.objects.create(conference=conference, description="matrix", owner="matrix", due_on=today)


def _payment_roll(township, officer, built):
    from workflows.payroll.models import PaymentRoll

    return _once(
        built,
        ("payment_roll", township.pk),
        lambda: PaymentRoll.objects.create(
            county=township.county, township=township, month=datetime.date(2026, 1, 1), generated_by=officer
        ),
    )


def _payment_roll_line(*, case, township, officer, built, **_):
    from tests.factories import HouseholdFactory
    from workflows.payroll.models import PaymentRollLine

    return PaymentRollLine.objects.create(
        roll=_payment_roll(township, officer, built), kind="benefit", household=HouseholdFactory(village=case.village),
        programme="dibao", payee_name="矩阵", payee_id_number="", current=1, amount=1,
    )  # fmt: skip


def _appeal(*, case, officer, **_):
    from workflows.appeals.models import Appeal

    letter = _document(case=case)
    today = timezone.localdate()
    return Appeal.objects.create(
        process_id=case.pk, case_number=case.case_number or "", county_id=case.county_id, township_id=case.township_id,
        letter=letter, kind="reconsideration", body="矩阵", delivered_on=today, filed_on=today, deadline=today,
        claims="矩阵", recorded_by=officer,
    )  # fmt: skip


def _household(*, case, **_):
    from tests.factories import HouseholdFactory

    return HouseholdFactory(village=case.village)


def _signal(*, case, officer, **_):
    from tests import factories
    from workflows.monitoring.models import Signal

    household = factories.HouseholdFactory(village=case.village)
    member = factories.MemberFactory(household=household)
    today = timezone.localdate()
    return Signal.objects.create(
        kind="hospitalisation", source="health_insurance", reported_by=officer, id_number=member.id_number,
        occurred_on=today, county_id=case.county_id, household=household, member=member,
        township_id=case.township_id, village_id=case.village_id, due_on=today,
    )  # fmt: skip


# ObjectPage.obj -> builder(county=, township=, case=, officer=, built=) -> the object whose pk fills the URL,
# for each case slot (see ``pm.sees_object`` for who sees it).
OBJECT_FACTORIES: dict[str, Callable] = {
    "fund": lambda **kw: _fund_allocation(**kw).fund,
    "fund_entry": _fund_allocation,
    "draw": _draw,
    "county": lambda *, county, **_: county,
    "document": _document,
    "staff_register_line": _register_line,
    "referral": _referral,
    "conference_action": _conference_action,
    "household": _household,
    "payment_roll": lambda *, township, officer, built, **_: _payment_roll(township, officer, built),
    "payment_roll_line": _payment_roll_line,
    "appeal": _appeal,
    "signal": _signal,
}


def _redecision_case(flow_class, county, township, village):
    """A re-decision case: it needs the refused case and the appeal that set it aside."""
    from workflows.skeleton.flows import SkeletonFlow

    original = _default_case(SkeletonFlow, county, township, village)
    officer = factories.UserFactory()
    appeal = _appeal(case=original, officer=officer)
    return flow_class.process_class.objects.create(
        flow_class=flow_class, status=STATUS.NEW, county=county, township=township, village=village,
        appeal=appeal, original=original, household=factories.HouseholdFactory(village=village), programme="dibao",
        due_on=timezone.localdate(),
    )  # fmt: skip


CASE_FACTORIES["appeals.redecisionprocess"] = _redecision_case

ADMIN_KWARGS = {"object_id": "1", "content_type_id": "1", "app_label": "core", "url": "x", "id": "1"}


def _dummy(field):
    """A placeholder for a required column the matrix does not care about."""
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
        return 0
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.CharField | models.TextField):
        return field.choices[0][0] if field.choices else ""
    if isinstance(field, models.JSONField):
        return {}
    raise TypeError(f"required field {field.name} ({type(field).__name__})")


def _default_case(flow_class, county, township, village):
    """The case row from its regions alone, required columns filled with placeholders."""
    process_class = flow_class.process_class
    values = {"flow_class": flow_class, "county": county, "township": township, "village": village}
    for f in process_class._meta.concrete_fields:
        if f.name in values or f.null or f.has_default() or f.primary_key or f.auto_created:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        if f.model is not process_class and not issubclass(process_class, f.model):
            continue
        if f.model._meta.app_label == "viewflow":
            continue
        if f.is_relation and f.related_model._meta.label_lower == "households.household":
            values[f.name] = factories.HouseholdFactory(village=village)
            continue
        if f.is_relation:
            # e.g. the rule version in force: any row of the case's county.
            related = f.related_model.objects.all()
            if any(x.name == "county" for x in f.related_model._meta.fields):
                related = related.filter(county=county)
            values[f.name] = related.first()
            if values[f.name] is None:
                raise TypeError(f"required relation {f.name}: no {f.related_model.__name__} row")
            continue
        values[f.name] = _dummy(f)
    return process_class.objects.create(status=STATUS.NEW, **values)


def _make_case(flow_class, county, township, village):
    label = flow_class.process_class._meta.label_lower
    factory = CASE_FACTORIES.get(label, _default_case)
    try:
        process = factory(flow_class, county, township, village)
    except Exception as exc:  # pragma: no cover - message for whoever adds a flow
        raise AssertionError(
            f"cannot create a {label} case for the matrix ({exc!r}); add a factory to CASE_FACTORIES "
            "in tests/test_permission_matrix.py"
        ) from exc
    tasks = {}
    for node in flow_class.instance.nodes():
        human = node.task_type == "HUMAN"
        task = flow_class.task_class(
            process=process,
            flow_task=node,
            flow_task_type=node.task_type,
            status=STATUS.NEW if human else STATUS.DONE,
        )
        perm = getattr(node, "_owner_permission", None)
        if human and isinstance(perm, str):
            task.owner_permission = perm
            obj_fn = getattr(node, "_owner_permission_obj", None)
            if callable(obj_fn):
                task.owner_permission_obj = obj_fn(process)
        task.save()
        tasks[node.name] = task
    return process, tasks


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world of ``world_build``, built once for the parts a worker runs (one xdist group of
    parts per worker, below) inside a transaction rolled back after the last of them. Each
    part's own writes (the audit rows of the pages it requests) are rolled back after it by its
    ``db`` fixture (a savepoint inside this transaction): every part sees the world as built."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = world_build(region_build())
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def world_build(region):
    """Cases of every flow in slots a (village A1), a2 (village A2), b (township B), c (other county)."""
    other = factories.CountyFactory(code="990102", name="邻县")
    tc = factories.TownshipFactory(county=other, code="990102001", name="邻镇")
    vc = factories.VillageFactory(township=tc, code="990102001001", name="邻村")
    factories.configure_rules(other)
    slots = {
        "a": (region.county, region.township_a, region.village_a),
        "a2": (region.county, region.township_a, region.village_a2),
        "b": (region.county, region.township_b, region.village_b),
        "c": (other, tc, vc),
    }
    regions = {"township_a": region.township_a, "township_b": region.township_b, "village_a": region.village_a}
    regions["county"] = region.county
    users = {}
    for role in pm.ROLES:
        if role.is_anonymous:
            continue
        user = factories.UserFactory(username=f"m_{role.name}")
        if role.role:
            assignment_grant(user=user, role=role.role, region=regions[role.region])
        users[role.name] = user
    flows = pm._flows_by_label().values()
    cases = {slot: {f: _make_case(f, *where) for f in flows} for slot, where in slots.items()}
    officers = {region.county.pk: users["county_officer"], other.pk: factories.UserFactory(username="m_officer_c")}
    assignment_grant(user=officers[other.pk], role="county_officer", region=other)
    built: dict = {}
    objects = {
        slot: {
            name: make(
                county=where[0],
                township=where[1],
                case=next(iter(cases[slot].values()))[0],
                officer=officers[where[0].pk],
                built=built,
            )
            for name, make in OBJECT_FACTORIES.items()
        }
        for slot, where in slots.items()
    }
    return users, cases, objects


def _kwargs(entry: pm.UrlEntry, role, in_scope, cases, objects):
    params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", entry.route)
    names = [a or b for a, b in params]
    if not names:
        return {}
    kind = entry.kind
    fixed = dict(getattr(kind, "kwargs", None) or {})
    if fixed and set(names) <= set(fixed):
        return fixed
    if isinstance(kind, pm.AdminPage | pm.AdminLogin):
        return {n: ADMIN_KWARGS[n] for n in names}
    slot = role.in_scope_slot if (in_scope and role.in_scope_slot) else role.out_of_scope_slot
    if role.is_anonymous:
        slot = "a"
    if isinstance(kind, pm.ObjectPage):
        assert names == [kind.param], f"{entry.route}: ObjectPage fills only <{kind.param}>"
        return {kind.param: objects[slot][kind.obj].pk}
    flow_cases = cases[slot]
    flow_class = entry.flow_class or _flow_for_model(kind, flow_cases)
    process, tasks = flow_cases[flow_class]
    kwargs = {}
    for name in names:
        if name == "process_pk":
            kwargs[name] = process.pk
        elif name == "task_pk":
            kwargs[name] = tasks[entry.node.name].pk
        else:
            raise AssertionError(f"{entry.route}: the matrix does not know how to fill <{name}>; give its kind kwargs")
    return kwargs


def _flow_for_model(kind, flow_cases):
    label = getattr(kind, "process_model", None)
    for flow_class in flow_cases:
        if label is None or flow_class.process_class._meta.label_lower == label:
            return flow_class
    raise AssertionError(f"no flow with process model {label}")


def _fill(route, kwargs):
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path.lstrip("^").rstrip("$")


def _matches(expected, response) -> bool:
    if expected == pm.LOGIN:
        return response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    if expected == pm.ANY_LOGIN:
        return response.status_code == 302 and response["Location"].startswith(("/accounts/login/", "/admin/login/"))
    if expected == pm.ADMIN_LOGIN:
        return response.status_code == 302 and response["Location"].startswith("/admin/login/")
    return response.status_code == expected


class FastClient(Client):
    """The test client without its template-context capture (a copy of every context
    of every rendered template), which dominates the cost of rendering full pages."""

    def request(self, **request):
        return self.handler(self._base_environ(**request))  # ClientHandler closes the response


def test_every_url_has_a_matrix_entry():
    """A URL pattern without a matrix entry (kind) fails, printing its route and name."""
    missing = [f"{e.route}  (name={e.name})" for e in pm.url_entries() if e.kind is None]
    assert not missing, "URLs without a permission-matrix entry:\n" + "\n".join(missing)


# The cells are split into parts, each its own test, so that xdist spreads them over its
# workers (one test took 190 s); the parts are in GROUPS xdist groups (one per worker of the
# 2-core machine), so each worker builds the world once for the parts it runs.
PARTS = 8
GROUPS = 2


def _plan() -> list[tuple[pm.UrlEntry, list[tuple[pm.MatrixRole, bool]]]]:
    """Each mapped URL with the (role, in_scope) cells to request: every role for the first URL
    of an equivalence class, the boundary roles for the others (``MATRIX_FULL=1``: every role
    everywhere; ``MATRIX_ONLY``: a glob on the URL name)."""
    only = os.environ.get("MATRIX_ONLY", "*")
    exhaustive = os.environ.get("MATRIX_FULL") == "1"
    seen = set()
    plan = []
    for entry in pm.url_entries():
        if entry.kind is None or not fnmatchcase(entry.key, only):
            continue
        key = pm.equivalence_key(entry)
        plan.append((entry, pm.cells(entry, full=exhaustive or key not in seen)))
        seen.add(key)
    return plan


def test_parts_cover_the_plan_once():
    """The parts together request exactly the plan's cells, each once."""
    plan = [(e.key, e.route, role.name, s) for e, cells in _plan() for role, s in cells]
    parts = [
        (e.key, e.route, role.name, s) for i in range(PARTS) for e, cells in _plan()[i::PARTS] for role, s in cells
    ]
    assert plan and sorted(parts) == sorted(plan) and len(set(plan)) == len(plan)


@pytest.mark.parametrize(
    "part",
    [pytest.param(i, marks=pytest.mark.xdist_group(f"matrix{i % GROUPS}")) for i in range(PARTS)],
    ids=lambda i: f"part{i + 1}of{PARTS}",
)
def test_every_url_answers_every_role_as_the_rules_say(part, world, db, capsys):
    """Each URL x role x (in-scope, out-of-scope) answers the generated expectation:
    404 out of scope, login redirect for anonymous, 403/200 by role and node permission.
    Part ``n`` takes every PARTS-th URL of the plan (URLs of all kinds in each part)."""
    users, cases, objects = world
    clients = {}
    for role in pm.ROLES:
        client = FastClient()
        if not role.is_anonymous:
            client.force_login(users[role.name], backend="django.contrib.auth.backends.ModelBackend")
        clients[role.name] = client
    errors = []

    def remember(sender, request, **kwargs):
        import sys
        import traceback

        errors.append(f"{request.path}: {''.join(traceback.format_exception(*sys.exc_info())[-3:])}")

    failures, requests = [], 0
    per_kind: dict[str, list[float]] = {}
    started = time.perf_counter()
    got_request_exception.connect(remember, dispatch_uid="matrix")
    # 403/404 are the expected answers here; don't format a traceback for each.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    try:
        for entry, cells in _plan()[part::PARTS]:
            for role, in_scope in cells:
                path = _fill(entry.route, _kwargs(entry, role, in_scope, cases, objects))
                t0 = time.perf_counter()
                response = clients[role.name].get(path)
                per_kind.setdefault(f"{entry.kind.describe()}:{response.status_code}", []).append(
                    time.perf_counter() - t0
                )
                requests += 1
                want = pm.expected(entry, role, in_scope=in_scope)
                if not _matches(want, response):
                    scope = "in" if in_scope else "out"
                    failures.append(
                        f"{path} [{entry.key}] {role.name}/{scope}: want {want}, got {response.status_code}"
                    )
    finally:
        logging.getLogger("django.request").setLevel(logging.NOTSET)
        got_request_exception.disconnect(dispatch_uid="matrix")
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\npermission matrix, part {part + 1} of {PARTS}: {requests} requests in {elapsed:.1f} s")
        for key, times in sorted(per_kind.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {key:30} n={len(times):5d} total={sum(times):6.1f}s mean={1000 * sum(times) / len(times):6.1f}ms")
    assert requests > 0 or os.environ.get("MATRIX_ONLY"), "an empty part: fewer URLs than PARTS?"
    if errors:
        failures.insert(0, f"first server error: {errors[0]}")
    assert not failures, f"{len(failures)} cells differ:\n" + "\n".join(failures[:200])

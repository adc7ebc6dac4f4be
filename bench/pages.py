"""Staff task pages against the workspace case page: ``.venv/bin/python -m bench.pages [--requests 30]``.

Issue 14 acceptance: the task pages answer in under 2x the workspace case page. One
dibao case is filed through the real services; its acceptance task is claimed by the case
worker. Then, through Django's test client logged in as that case worker (the whole
request: middleware, scope checks, template), in alternation:

- ours: GET the acceptance task's page (``cases:dibao:accept:execute``), the form a case
  worker fills in;
- baseline: GET the workspace case page of the same case (``workspace:case``), which
  already shows the household, documents, timeline, diagram and the inline task form.

Prints p50/p95 of both and the ratio (case page / task page; >= 0.5 meets "under 2x"),
and one BENCH-JSON line.
"""

from __future__ import annotations

import argparse
import time

from bench.common import Result, machine_meta, percentiles, report, setup_django


def run(requests: int) -> list[Result]:
    import datetime
    import tempfile
    from decimal import Decimal

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from tests import factories
    from workflows.core.driving import open_tasks, start_case
    from workflows.core.models.staff import Role
    from workflows.core.permissions import assignment_grant
    from workflows.dibao import services
    from workflows.dibao.flows import DibaoFlow

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-media-")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STAFF_OTP_REQUIRED = False
    code = f"9902{int(time.time()) % 100:02d}"
    county = factories.CountyFactory(code=code, name="页面基准县")
    township = factories.TownshipFactory(county=county, code=f"{code}001")
    village = factories.VillageFactory(township=township, code=f"{code}001001")
    factories.configure_rules(county)
    worker = factories.UserFactory(username=f"bench_pages_{code}")
    assignment_grant(user=worker, role=Role.CASE_WORKER, region=township)
    member = services.MemberInput(
        name="张三",
        id_number=factories.make_id_number(datetime.date(1960, 5, 1), area=code, seq=123),
        relation="applicant",
        monthly_income=Decimal("300.00"),
        signed_check_authorisation=True,
        signed_truthfulness=True,
    )
    pdf = SimpleUploadedFile("申请书.pdf", b"%PDF-1.4\n% bench\n", content_type="application/pdf")
    app = services.ApplicationInput(
        village=village,
        area="rural",
        address="基准村 1 号",
        phone="13900000000",
        bank_account="6222020000000000000",
        members=[member],
        uploads=[services.UploadInput(kind="application", file=pdf)],
    )
    process = start_case(
        DibaoFlow.start,
        user=worker,
        perform=lambda p: services.dibao_application_file(process=p, programme="dibao", application=app, actor=worker),
    )
    task = open_tasks(process, DibaoFlow.accept).get()
    task.owner = worker
    task.status = "ASSIGNED"
    task.save()
    client = Client()
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    task_url = reverse(
        f"cases:{DibaoFlow.instance.flow_label}:accept:execute", kwargs={"process_pk": process.pk, "task_pk": task.pk}
    )
    case_url = reverse("workspace:case", kwargs={"process_pk": process.pk})
    for url in (task_url, case_url):  # warm up; both must answer 200
        status = client.get(url).status_code
        if status != 200:
            raise SystemExit(f"bench.pages: {url} answered {status}")
    ours, base = [], []
    for _ in range(requests):
        t0 = time.perf_counter()
        client.get(task_url)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        client.get(case_url)
        base.append(time.perf_counter() - t0)
    p_ours, p_base = percentiles(ours), percentiles(base)
    notes = {"requests": requests, "task_page": p_ours, "case_page": p_base}
    return [
        Result(
            "task page (acceptance form) p50",
            p_ours["p50_ms"],
            "ms",
            "workspace case page p50",
            p_base["p50_ms"],
            False,
            notes,
        ),
        Result(
            "task page (acceptance form) p95",
            p_ours["p95_ms"],
            "ms",
            "workspace case page p95",
            p_base["p95_ms"],
            False,
            {},
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    setup_django()
    from bench.common import ensure_schema

    ensure_schema()
    report("pages", run(args.requests), machine_meta())


if __name__ == "__main__":
    main()

"""Builders for workspace tests.

``make_case`` writes a dibao case row directly (its ``CaseIndex`` row follows
through the save receiver); ``make_tasks`` bulk-creates task rows of a human
node, so the query-count tests can have 1,000 tasks in well under a second.
Flow behaviour (claim, send back) is tested on cases driven through the real
flow (tests/dibao/conftest.py drivers).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests import factories
from tests.dibao.conftest import approver_a2, fake_finance_check  # noqa: F401 - fixtures
from workflows.core.models import Township
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import DibaoProcess

_seq = iter(range(1, 10_000_000))


def make_case(village, *, name="张三", **fields) -> DibaoProcess:
    household = factories.HouseholdFactory(village=village)
    factories.MemberFactory(household=household, name=name)
    n = next(_seq)
    values = {
        "flow_class": DibaoFlow,
        "county": village.township.county,
        "township": village.township,
        "village": village,
        "household": household,
        "channel": "paper_case_worker",
        "case_number": f"DB-{village.township.code}-T{n:06d}",
        **fields,
    }
    return DibaoProcess.objects.create(**values)


def make_tasks(process, node, n, *, status=STATUS.NEW, owner=None, finished=None) -> None:
    """``n`` task rows of ``node`` on ``process`` (township-scoped permission like the flow sets)."""
    ct = ContentType.objects.get_for_model(Township)
    perm = getattr(node, "_owner_permission", None)
    now = timezone.now()
    Task.objects.bulk_create(
        [
            Task(
                process=process,
                flow_task=node,
                flow_task_type="HUMAN",
                status=status,
                owner=owner,
                owner_permission=perm,
                owner_permission_content_type=ct,
                owner_permission_obj_pk=str(process.township_id),
                created=now - datetime.timedelta(seconds=i),
                finished=finished,
            )
            for i in range(n)
        ]
    )


@pytest.fixture
def today():
    return timezone.localdate()


MONEY = Decimal("0.01")

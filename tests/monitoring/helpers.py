from __future__ import annotations

import datetime

from django.utils import timezone

from workflows.monitoring.services import signal_receive


def receive(actor, county, id_number, *, kind="hospitalisation", source="health_insurance", occurred_on=None,
            **kw):  # fmt: skip
    return signal_receive(
        kind=kind, source=source, id_number=id_number, county=county, actor=actor,
        occurred_on=occurred_on or timezone.localdate() - datetime.timedelta(days=1), **kw,
    )  # fmt: skip

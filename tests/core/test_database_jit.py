"""PostgreSQL sessions run without JIT compilation (issue 19: a 0.4 ms statement spent 31 ms
compiling; a 低保 case ran 60 % longer with it). The settings side is tested with the
other environment settings (``tests/core/test_settings.py``); this is the live session."""

import pytest
from django.db import connection

from tests.conftest import requires_postgres


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db
def test_the_live_session_runs_without_jit():
    """The test database's own session: ``SHOW jit`` says off."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path

import pytest
from django.db.backends.signals import connection_created

from tests.dibao.conftest import approver_a2, fake_finance_check  # noqa: F401 - fixtures

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
PHONE = {"width": 390, "height": 844}
# How long an action (click, fill, navigation) may wait for the page. A wait ends as soon as
# the page is ready, so a long bound costs nothing when the test passes; 15 s failed a click
# at a load of 11 on the 2-core machine, with two browsers and the rest of the suite running.
ACTION_TIMEOUT_MS = 60_000
DESKTOP = {"width": 1280, "height": 900}

# Once Playwright's sync API has run in this process, pytest's fixture teardown no longer runs
# in the contextvars context of the test's setup and call (Django keeps connections per
# context): the test's own connection is then out of reach of the flush and of the final
# ``close_all`` and stayed open until the process ended, so dropping the xdist worker's test
# database failed ("is being accessed by other users"). Every connection the main thread opens
# is remembered here and closed by ``new_page`` after the browser is gone.
_MAIN_THREAD_CONNECTIONS: weakref.WeakSet = weakref.WeakSet()


def _remember_main_thread_connection(sender, connection, **kwargs):
    if threading.current_thread() is threading.main_thread():
        _MAIN_THREAD_CONNECTIONS.add(connection)


connection_created.connect(_remember_main_thread_connection, dispatch_uid="e2e-main-thread-connections")


def close_main_thread_connections() -> None:
    """Close every connection the test process's main thread opened, whatever context holds it."""
    for wrapper in list(_MAIN_THREAD_CONNECTIONS):
        wrapper.close()


SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def new_page(live_server, monkeypatch, tmp_path, settings):
    """``new_page(viewport)`` opens a page in a fresh browser context (own cookies) of one
    Debian chromium shared by the test; ``page.base_url`` is the live server."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test makes between page actions are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path / "media"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts = []

        def open_page(viewport=DESKTOP):
            context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
            context.set_default_timeout(ACTION_TIMEOUT_MS)
            contexts.append(context)
            page = context.new_page()
            page.base_url = live_server.url
            return page

        yield open_page
        for context in contexts:
            context.close()
        browser.close()
    close_main_thread_connections()

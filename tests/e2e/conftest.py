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


class _SharedBrowser:
    """One chromium for a run of consecutive browser tests on this process (an xdist worker
    runs a browser group's tests one after another): launching Playwright's driver and
    chromium cost ~1.5 s of CPU (~4 s of wall at a load of 7) per test. Each test still gets
    fresh browser contexts (own cookies, storage, downloads), closed at its end.

    While Playwright's sync API is running, its asyncio loop counts as running in this thread,
    so Django refuses ORM calls (``SynchronousOnlyOperation``) unless
    ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set, and another ``sync_playwright()`` refuses to start:
    the browser is therefore closed as soon as the next test of this process does not use
    ``new_page`` (or there is none), and the variable is set exactly while it is open."""

    def __init__(self):
        self.playwright = self.browser = None
        self.env_before: str | None = None

    def get(self):
        if self.browser is not None and not self.browser.is_connected():
            self.close()  # chromium died in an earlier test: start afresh
        if self.browser is None:
            from playwright.sync_api import sync_playwright

            self.env_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self.browser

    def close(self):
        try:
            if self.browser is not None:
                self.browser.close()
        finally:
            self.browser = None
            if self.playwright is not None:
                self.playwright.stop()
                self.playwright = None
            if self.env_before is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self.env_before


_SHARED_BROWSER = _SharedBrowser()


def _next_test_uses_browser(request) -> bool:
    from tests.conftest import NEXT_ITEM

    nextitem = request.node.stash.get(NEXT_ITEM, None)
    return nextitem is not None and "new_page" in getattr(nextitem, "fixturenames", ())


@pytest.fixture
def new_page(request, live_server, tmp_path, settings):
    """``new_page(viewport)`` opens a page in a fresh browser context (own cookies) of one
    Debian chromium, shared by consecutive browser tests (``_SharedBrowser``);
    ``page.base_url`` is the live server."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed")
    settings.MEDIA_ROOT = tmp_path / "media"
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Playwright's sync API runs an event loop in this thread (DJANGO_ALLOW_ASYNC_UNSAFE is set
    # while it runs); the ORM calls the test makes between page actions are plain synchronous code.
    browser = _SHARED_BROWSER.get()
    contexts = []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        return page

    yield open_page
    try:
        for context in contexts:
            context.close()
    finally:
        if not _next_test_uses_browser(request):
            _SHARED_BROWSER.close()
        close_main_thread_connections()

"""What every staff journey does on each page: log in through the login page (a change of
role later in the journey may hand the browser a session instead, ``sign_in``), take the
next task of a case from the inbox or the queue by clicking, and check each page visited
(no viewflow custom element, no serious/critical axe-core violation), photographing each
page the first time the journey reaches it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client

from tests.e2e.test_accessibility import axe_violations

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
_VF_ELEMENTS = "() => [...document.querySelectorAll('*')].map(e => e.localName).filter(n => n.startsWith('vf-'))"


def page_kind(url: str) -> str:
    """The page a URL shows, whatever case or task: its path with every number as ``N``
    (``/workspace/case/N/``, ``/staff/cases/dibao/N/propose/N/execute/``)."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


class Visit:
    """Checks each page of the journey and photographs it: ``visit(name)`` after each page
    load; ``visit.problems`` lists every viewflow element and serious axe violation.

    Every visit is checked. A page is photographed (full page, at each of ``sizes``) the
    first time the journey reaches it (``page_kind``), and whenever a check finds a problem
    there: a journey passes the same inbox, queue or case page after each of its steps
    (the 低保 journey (b)+(c) reaches 11 pages in 25 visits), and two full-page
    screenshots with two viewport changes cost chromium ~0.3 s of CPU per visit, more
    than the axe-core run (2026-12-07, tests/e2e, docs/testing.md "Suite time")."""

    def __init__(self, page, sizes=tuple(SIZES)):
        self.page, self.sizes, self.names, self.problems = page, sizes, [], []
        self.photographed: set[str] = set()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.names.append(name)
        problems_before = len(self.problems)
        vf = page.evaluate(_VF_ELEMENTS)
        if vf:
            self.problems.append(f"[{name}] viewflow elements {sorted(set(vf))}")
        for v in axe_violations(page):
            if v["impact"] in ("serious", "critical"):
                self.problems.append(f"[{name}] {v['id']} ({v['impact']}): {v['help']} {v['nodes'][0]['target']}")
        kind = page_kind(page.url)
        if kind in self.photographed and len(self.problems) == problems_before:
            return
        self.photographed.add(kind)
        for size in self.sizes:
            if page.viewport_size != SIZES[size]:
                page.set_viewport_size(SIZES[size])
            page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
        if page.viewport_size != SIZES[self.sizes[0]]:
            page.set_viewport_size(SIZES[self.sizes[0]])

    def assert_clean(self) -> None:
        assert self.names and not self.problems, "\n".join(self.problems)


def log_in(page, user, visit: Visit | None = None, name: str = "login") -> None:
    """Open the login page, type the demo credentials and land on the inbox."""
    page.goto(f"{page.base_url}/accounts/login/")
    if visit:
        visit(name)
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workspace/inbox/")


def sign_in(page, user) -> None:
    """Sign ``user`` in without the login form and land on the inbox, as ``log_in`` does: a
    session made by Django's test client (``force_login``: the same ``user_logged_in``
    receivers as the form, so the session clocks and the second-factor state start as
    after a form login) is handed to the browser as its session cookie.

    For a change of role inside a journey whose subject is not the login page: each journey
    still signs its first user in through the form (``log_in``, with the login page
    checked), and the login page itself is tested in test_accessibility.py, test_journey_otp.py
    and tests/core/test_security_csp_browser.py. The form costs the login page, the POST
    and its redirect: ~0.45 s of chromium CPU and ~0.6 s of wall more per sign-in
    (measured 2026-12-07: 585 against 135 ms of chromium CPU)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": page.base_url}])
    page.goto(f"{page.base_url}/workspace/inbox/")
    page.wait_for_url("**/workspace/inbox/")


def log_out(page) -> None:
    """Leave through the navigation's 退出 button."""
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("load")


def take_task(page, case_number: str, visit: Visit, name: str) -> None:
    """From anywhere in the workspace: the case's task in 我的待办, else claim it in
    待领取 and follow "去办理"; ends on the task form."""
    page.get_by_role("navigation").get_by_role("link", name=re.compile("^我的待办")).click()
    page.wait_for_url("**/workspace/inbox/**")
    row = page.locator("tr", has_text=case_number)
    if not row.count():
        page.get_by_role("navigation").get_by_role("link", name=re.compile("^待领取")).click()
        page.wait_for_url("**/workspace/queue/**")
        visit(f"{name}-queue")
        page.locator("tr", has_text=case_number).get_by_role("button", name="领取").click()
        page.get_by_role("link", name="去办理").click()
    else:
        visit(f"{name}-inbox")
        row.get_by_role("link", name=re.compile("^办理")).click()
    page.wait_for_url("**/execute/**")
    visit(name)

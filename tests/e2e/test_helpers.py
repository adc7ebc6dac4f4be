"""The journeys' ``Visit`` without a browser: every visit is checked, a page is photographed
at both sizes the first time the journey reaches it and again whenever a check finds a
problem on it (a stand-in page records what chromium was asked to do)."""

from __future__ import annotations

from tests.e2e.helpers import SIZES, Visit, page_kind


class FakePage:
    """What ``Visit`` and ``axe_violations`` call on a Playwright page, recorded."""

    def __init__(self):
        self.url = "http://127.0.0.1:1/workspace/inbox/"
        self.viewport_size = {"width": 1280, "height": 900}
        self.axe_runs = 0
        self.violations: list[dict] = []
        self.shots: list[str] = []
        self.resizes = 0

    def wait_for_load_state(self, state="load"):
        pass

    def evaluate(self, expression, arg=None):
        if "vf-" in expression:
            return []
        if "typeof window.axe" in expression:
            return True
        assert "axe.run" in expression, expression
        self.axe_runs += 1
        return self.violations

    def set_viewport_size(self, size):
        self.resizes += 1
        self.viewport_size = dict(size)

    def screenshot(self, *, path, full_page):
        assert full_page
        self.shots.append(path.rsplit("/", 1)[1])


def test_page_kind_ignores_the_case_and_task_numbers():
    """The same page of another case or task is the same kind; another page is not."""
    assert page_kind("http://h:1/workspace/case/12/") == page_kind("http://h:1/workspace/case/7/?x=1")
    assert page_kind("http://h:1/staff/cases/dibao/3/propose/45/execute/") == "/staff/cases/dibao/N/propose/N/execute/"
    assert page_kind("http://h:1/staff/cases/dibao/3/accept/6/execute/") != page_kind(
        "http://h:1/staff/cases/dibao/3/propose/6/execute/"
    )


def test_each_visit_is_checked_and_each_page_photographed_once_at_both_sizes():
    """Three visits of two pages: three axe runs, four screenshots (the inbox and the case
    page, desktop and phone), and the page is left at the desktop size."""
    page = FakePage()
    visit = Visit(page)
    visit("x01-inbox")
    page.url = "http://127.0.0.1:1/workspace/case/1/"
    visit("x02-case")
    page.url = "http://127.0.0.1:1/workspace/case/1/?claimed=1"
    visit("x03-case-again")
    assert page.axe_runs == 3
    assert page.shots == ["x01-inbox-desktop.png", "x01-inbox-phone.png", "x02-case-desktop.png", "x02-case-phone.png"]
    assert page.viewport_size == SIZES["desktop"]
    assert page.resizes == 5  # to desktop, phone, desktop; phone, desktop
    visit.assert_clean()


def test_a_page_with_a_problem_is_photographed_again_and_fails_the_journey():
    """A serious axe finding on a page already photographed: photographed under this visit's
    name, and ``assert_clean`` fails naming it; a minor finding changes nothing."""
    page = FakePage()
    visit = Visit(page)
    visit("y01-inbox")
    page.violations = [{"id": "region", "impact": "moderate", "help": "landmarks", "nodes": [{"target": "p"}]}]
    visit("y02-inbox-minor")
    assert len(page.shots) == 2
    page.violations = [{"id": "color-contrast", "impact": "serious", "help": "contrast", "nodes": [{"target": "a"}]}]
    visit("y03-inbox-contrast")
    assert page.shots[2:] == ["y03-inbox-contrast-desktop.png", "y03-inbox-contrast-phone.png"]
    try:
        visit.assert_clean()
    except AssertionError as error:
        assert "[y03-inbox-contrast] color-contrast (serious)" in str(error)
    else:
        raise AssertionError("a serious axe finding did not fail the journey")

"""WCAG 2.1 AA as a tested property (issue 9 §6): axe-core (node_modules/axe-core, pinned in
package.json, installed by ``npm ci``) runs in Debian's chromium on every applicant page at a
390×844 phone viewport and on the main staff pages at desktop size. Rules: the axe tags
wcag2a, wcag2aa, wcag21a, wcag21aa, plus the structural best-practice rules the portal
promises (one main landmark, all content in landmarks, heading order, an h1). No rule is
disabled. A keyboard-only test completes the first step of the application."""

from __future__ import annotations

import contextlib
import datetime
import functools
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.dibao.conftest import accept, do, file_case, home_visit, member, sign_all
from tests.e2e.conftest import DESKTOP, PHONE, SHOTS
from tests.factories import make_id_number
from workflows.dibao import services as dibao_services
from workflows.workspace.indexing import refresh_case_index
from workflows.workspace.models import CaseIndex

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe files these under "best-practice", but they are what "landmarks" and "heading order" mean
STRUCTURE_RULES = ["landmark-one-main", "region", "heading-order", "page-has-heading-one", "landmark-unique",
                   "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo", "skip-link"]  # fmt: skip
PDF = b"%PDF-1.4\n% a11y upload\n"

pytestmark = pytest.mark.browser

# One axe run per page: the WCAG tags, plus the structure rules switched on by id (axe's
# ``rules`` option adds rules outside ``runOnly``'s tags). Two runs, one per set, paid axe's
# page setup twice (about half of every journey's accessibility time).
_RUN_AXE = """async ([runOnly, rules]) => {
  const result = await axe.run(document, {runOnly, rules, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Lookups made here must not be throttled by counters left by other tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@functools.cache
def _axe_source() -> str:
    """axe-core's script, read once per process (~0.5 MB; every page checked injects it)."""
    return AXE_JS.read_text(encoding="utf-8") + "\n;undefined"


def axe_violations(page) -> list[dict]:
    """Inject axe-core into the page and return its WCAG 2.1 A/AA and structure violations."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci --no-audit --no-fund` (scripts/bootstrap.sh dev does)")
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated, not added as a <script>: the pages' Content-Security-Policy refuses inline scripts.
        page.evaluate(_axe_source())
    structure = {rule: {"enabled": True} for rule in STRUCTURE_RULES}
    return page.evaluate(_RUN_AXE, [{"type": "tag", "values": WCAG_TAGS}, structure])


class Audit:
    """Collects the violations of every page a test visits, so that one run lists them all."""

    def __init__(self):
        self.failures: list[str] = []
        self.pages: list[str] = []

    def check(self, page, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"a11y-{name}.png"), full_page=True)
        self.pages.append(name)
        for v in axe_violations(page):
            for node in v["nodes"]:
                line = f"[{name}] {v['id']} ({v['impact']}) {node['target']}: {v['help']}"
                print(line)
                self.failures.append(line)

    def assert_clean(self, expected_pages: int) -> None:
        assert len(self.pages) == expected_pages, self.pages
        assert not self.failures, "axe-core violations:\n" + "\n".join(self.failures)


_SUMMARY_FOCUSED = "() => document.activeElement && document.activeElement.id === 'error-summary'"

_ERROR_LINKS = """() => ({
  focused: document.activeElement && document.activeElement.id,
  invalid: [...document.querySelectorAll("[aria-invalid=true]")].map(el => ({
    name: el.name,
    errors: (el.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean)
      .map(id => document.getElementById(id)).filter(e => e && e.classList.contains("errors"))
      .map(e => e.textContent.trim()),
  })),
  summary: [...document.querySelectorAll("#error-summary a[href^='#']")].map(a => ({
    href: a.getAttribute("href"), target: !!document.getElementById(a.getAttribute("href").slice(1)),
  })),
})"""


def assert_errors_announced(page, fields: set[str]) -> None:
    """Field errors are tied to their input (aria-invalid + aria-describedby pointing at the
    error text), listed in an error summary whose links reach the inputs, and the summary
    has the focus after the page loads (no JavaScript needed)."""
    # The browser applies `autofocus` at its next rendering step, not when the load event
    # fires, so a check run straight after the navigation can see the body focused. Wait
    # (briefly) for the focus to land; if it never does, the assert below reports the state.
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(_SUMMARY_FOCUSED, timeout=15_000)
    found = page.evaluate(_ERROR_LINKS)
    assert found["focused"] == "error-summary", found
    invalid = {i["name"]: i["errors"] for i in found["invalid"]}
    assert fields <= set(invalid), invalid
    assert all(invalid.values()), f"an invalid input is not described by its error: {invalid}"
    assert found["summary"] and all(link["target"] for link in found["summary"]), found["summary"]


@pytest.fixture
def audit():
    return Audit()


def test_axe_finds_a_planted_violation(new_page):
    """The harness is live: a page with an unlabelled input and low-contrast text fails."""
    page = new_page(PHONE)
    page.set_content(
        "<!DOCTYPE html><html><head><title>x</title></head><body><main><h1>t</h1>"
        '<input type="text"><p style="color:#bbb;background:#fff">低对比度</p></main></body></html>'
    )
    ids = {v["id"] for v in axe_violations(page)}
    assert {"label", "color-contrast", "html-has-lang"} <= ids


def test_applicant_pages_on_a_phone(new_page, audit, tmp_path, region, case_worker_a, case_worker_a2, approver_a, approver_a2,
                                    fake_finance_check):  # fmt: skip
    """Every applicant page at 390×844 — index, each apply step (with field errors on the
    household and members steps), done, status lookup (with errors), OTP sent, lookup
    failed, and the status page of a real case before and after its decision — has no
    WCAG 2.1 A/AA violation."""
    page = new_page(PHONE)
    base = page.base_url
    page.goto(f"{base}/portal/")
    audit.check(page, "portal-index")

    page.get_by_role("link", name="我要申请").click()
    audit.check(page, "apply-1-place")
    page.get_by_label("乡镇（街道）").select_option(label="青山镇")
    page.get_by_role("button", name=re.compile("下一步")).click()
    audit.check(page, "apply-1-place-township")
    page.get_by_role("button", name=re.compile("确定")).click()

    audit.check(page, "apply-2-household")
    page.get_by_role("button", name="下一步").click()  # nothing filled in: field errors
    assert_errors_announced(page, {"area", "address", "phone"})
    audit.check(page, "apply-2-household-errors")
    page.get_by_label("最低生活保障").check()
    page.get_by_label("农村").check()
    page.get_by_label("家庭住址").fill("青山村五组 3 号")
    page.get_by_label("手机号码").fill("13800001111")
    page.get_by_label("共同生活的家庭人口（含申请人）").select_option("1")
    page.get_by_role("button", name="下一步").click()

    audit.check(page, "apply-3-members")
    page.get_by_label("姓名").fill("孙老伯")
    page.get_by_label("身份证号码").fill("123")
    page.get_by_role("button", name="下一步").click()
    assert_errors_announced(page, {"members-0-id_number"})
    audit.check(page, "apply-3-members-errors")
    applicant_id = make_id_number(datetime.date(1958, 2, 3), seq=612)
    page.get_by_label("身份证号码").fill(applicant_id)
    page.get_by_label("月均收入（元）").fill("150")
    page.get_by_role("button", name="下一步").click()

    audit.check(page, "apply-4-uploads")
    page.get_by_role("button", name="下一步").click()  # the application letter is required
    assert_errors_announced(page, {"upload_application"})
    audit.check(page, "apply-4-uploads-errors")
    pdf = tmp_path / "申请书.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("书面申请书（照片或 PDF）").set_input_files(str(pdf))
    page.get_by_role("button", name="下一步").click()

    audit.check(page, "apply-5-consents")
    page.get_by_role("button", name="下一步").click()  # neither consent ticked
    audit.check(page, "apply-5-consents-errors")
    page.get_by_label(re.compile("孙老伯 同意")).check()
    page.get_by_label(re.compile("我承诺")).check()
    page.get_by_role("button", name="下一步").click()

    audit.check(page, "apply-6-review")
    page.get_by_role("button", name="提交申请").click()
    audit.check(page, "apply-done")
    page.context.clear_cookies()

    page.goto(f"{base}/portal/status/")
    audit.check(page, "status-lookup")
    page.get_by_role("button", name="查询", exact=True).click()
    assert_errors_announced(page, {"case_number"})
    audit.check(page, "status-lookup-errors")
    page.get_by_label("案件编号").first.fill("DB-990101001-2099-999999")
    page.get_by_label("申请人身份证号码后 6 位").fill("000000")
    page.get_by_role("button", name="查询", exact=True).click()
    assert page.get_by_role("heading", name="没有查到").is_visible()
    audit.check(page, "lookup-failed")

    page.goto(f"{base}/portal/status/")
    page.locator("#id_otp_case_number").fill("DB-990101001-2099-999999")
    page.get_by_role("button", name=re.compile("发送验证码")).click()
    audit.check(page, "otp-sent")

    # a real case filed at the window, looked up with case number + last 6 of the ID
    applicant = member("周大娘", birth=datetime.date(1956, 6, 7), seq=733)
    process = file_case(case_worker_a, region.village_a, members=[applicant])
    page.goto(f"{base}/portal/status/")
    page.get_by_label("案件编号").first.fill(process.case_number)
    page.get_by_label("申请人身份证号码后 6 位").fill(applicant.id_number[-6:])
    page.get_by_role("button", name="查询", exact=True).click()
    assert page.locator("#stage-label").is_visible()
    audit.check(page, "status-detail-submitted")

    process = accept(process, case_worker_a)
    process = fake_finance_check.finish(process, outcome="not_eligible", per_capita_income="900.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = do(process, "propose", case_worker_a, dibao_services.dibao_propose, approve=False, note="收入超标")
    process = sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["人均收入高于标准"])
    page.reload()
    assert "不予确认" in page.locator("#stage-label").inner_text()
    audit.check(page, "status-detail-decided")
    audit.assert_clean(expected_pages=19)


def login(page, user):
    page.goto(f"{page.base_url}/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_staff_pages_at_desktop_size(new_page, audit, region, case_worker_a, county_officer, fake_finance_check):
    """Login page (also with a login error), inbox, queue, archive, a case page with its
    inline task form, and the county dashboard have no WCAG 2.1 A/AA violation."""
    done = accept(file_case(case_worker_a, region.village_a), case_worker_a)
    links = [dibao_services.StaffLinkInput(member_name="吴二", staff_name="钱委员", relation="sibling",
                                           position="village_committee")]  # fmt: skip
    waiting = file_case(case_worker_a, region.village_a, members=[member("吴二", seq=144)], staff_links=links)
    soon = file_case(case_worker_a, region.village_a, members=[member("郑三", seq=155)])
    for process in (done, waiting, soon):
        refresh_case_index(process)
    # every badge and deadline colour the lists use: overdue, due soon, staff relative, assist-first
    today = timezone.localdate()
    CaseIndex.objects.filter(pk=waiting.pk).update(
        due_on=today - datetime.timedelta(days=10), assist_first_pending=True
    )
    CaseIndex.objects.filter(pk=soon.pk).update(due_on=today + datetime.timedelta(days=2))

    page = new_page(DESKTOP)
    page.goto(f"{page.base_url}/accounts/login/")
    audit.check(page, "staff-login")
    page.get_by_label("用户名").fill(case_worker_a.username)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    audit.check(page, "staff-login-error")
    login(page, case_worker_a)

    page.goto(f"{page.base_url}/workspace/queue/")
    assert page.locator("tr", has_text=waiting.case_number).count() == 1
    assert page.locator(".ws-badge-overdue, .ws-badge-relative, .ws-badge-assist, .ws-days-soon").count() == 4
    audit.check(page, "staff-queue")
    page.locator("tr", has_text=waiting.case_number).get_by_role("button", name="领取").click()
    page.wait_for_url("**/workspace/queue/**")
    audit.check(page, "staff-queue-claimed")
    page.goto(f"{page.base_url}/workspace/inbox/")
    assert page.locator("tr", has_text=waiting.case_number).count() == 1
    audit.check(page, "staff-inbox")
    page.goto(f"{page.base_url}/workspace/archive/")
    assert page.locator("tr", has_text=done.case_number).count() == 1
    audit.check(page, "staff-archive")
    page.goto(f"{page.base_url}/workspace/case/{waiting.pk}/")
    assert page.locator("form.ws-taskform").count() == 1
    audit.check(page, "staff-case")

    county = new_page(DESKTOP)
    login(county, county_officer)
    county.goto(f"{county.base_url}/workspace/county/")
    county.wait_for_selector("#county-figures")
    audit.check(county, "staff-county")
    audit.assert_clean(expected_pages=8)


def test_first_apply_step_with_the_keyboard_only(new_page, region):
    """Skip link first, then Tab/Arrow/Enter/Space alone choose township and village and
    reach the household step; every focused control shows a visible focus outline."""
    page = new_page(PHONE)
    page.goto(f"{page.base_url}/portal/apply/")
    kb = page.keyboard

    def focused():
        return page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                 return {id: e.id, tag: e.tagName, text: e.textContent.trim(), cls: e.className,
                         outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}; }"""
        )

    def tab_to(predicate, limit=20):
        for _ in range(limit):
            kb.press("Tab")
            now = focused()
            assert now["outline"], f"no visible focus on {now}"
            if predicate(now):
                return now
        raise AssertionError("not reachable with Tab")

    kb.press("Tab")
    assert focused()["cls"] == "skip-link" and focused()["outline"]
    kb.press("Enter")
    assert focused()["id"] == "main"

    tab_to(lambda f: f["id"] == "id_township")
    kb.press("ArrowDown")  # the first township (青山镇)
    tab_to(lambda f: f["tag"] == "BUTTON")
    with page.expect_navigation():
        kb.press("Enter")
    assert page.locator("#id_township option:checked").inner_text() == "青山镇"

    tab_to(lambda f: f["id"] == "id_village")
    kb.press("ArrowDown")  # 石桥村, the second village
    tab_to(lambda f: f["tag"] == "BUTTON" and "确定" in f["text"])
    with page.expect_navigation():
        kb.press("Space")
    assert page.url.endswith("/portal/apply/household/")
    assert page.get_by_role("heading", name="网上申请").is_visible()
    # the chosen village was stored: the next step's review shows it later; here the
    # place step remembers it when the applicant goes back
    page.go_back()
    page.reload()
    assert page.locator("#id_village option:checked").inner_text() == "石桥村"

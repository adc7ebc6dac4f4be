"""The crawl (issue 14 acceptance): every staff role, with cases in several stages, follows
every same-site link it can reach from the inbox (GET only, bounded) and finds no 5xx, no
viewflow custom element, no page without a viewport meta, and no raw value shown to people."""

from __future__ import annotations

import datetime
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.dibao.conftest import accept, file_case, home_visit, pass_notice, propose, sign_all, task_of
from workflows.core.driving import assign_task

#: Values that must never be shown as text (raw booleans, empty containers, codes).
RAW = {"False", "True", "[]", "{}", "eligible", "DONE"}
SKIP = ("/accounts/logout", "/i18n/", "/admin/", "/static/", "/media/")
MAX_PAGES = 160  # per role: the reachable set is ~60-120 pages; the bound stops a runaway
MAX_VARIANTS = 3  # query-string variants per path (pages, filters, replay points)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.texts, self.viewport, self.vf_elements = [], [], False, []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag.startswith("vf-"):
            self.vf_elements.append(tag)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "meta" and attrs.get("name") == "viewport":
            self.viewport = True
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def crawl(client, start="/workspace/inbox/"):
    seen, variants, problems, visited = {start}, {}, [], 0
    todo = deque([start])
    while todo and visited < MAX_PAGES:
        url = todo.popleft()
        visited += 1
        response = client.get(url)
        if response.status_code >= 500:
            problems.append((url, f"status {response.status_code}"))
            continue
        if response.status_code in (301, 302):
            target = response["Location"]
            if target.startswith("/") and target not in seen:
                seen.add(target)
                todo.append(target)
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        if page.vf_elements:
            problems.append((url, f"viewflow elements {sorted(set(page.vf_elements))}"))
        if not page.viewport:
            problems.append((url, "no viewport meta"))
        raw = RAW & set(page.texts)
        if raw:
            problems.append((url, f"raw values shown {sorted(raw)}"))
        for href in page.links:
            href, _ = urldefrag(href)
            if href.startswith("?"):
                href = urlsplit(url).path + href
            if not href.startswith("/") or href.startswith("//") or href.startswith(SKIP) or href in seen:
                continue
            path = urlsplit(href).path
            if variants.get(path, 0) >= MAX_VARIANTS:
                continue
            variants[path] = variants.get(path, 0) + 1
            seen.add(href)
            todo.append(href)
    return visited, problems


@pytest.fixture
def cases_in_stages(region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch):
    """Dibao cases at acceptance, at completing materials and at the home visit (each claimed
    by the case worker), in the notice period and approved, and a 特困 case at acceptance
    (all in township A)."""
    # claimed, so that the crawl opens their forms: acceptance, completing materials, home visit
    assign_task(task_of(file_case(case_worker_a, region.village_a), "accept"), user=case_worker_a)
    completing = accept(file_case(case_worker_a, region.village_a2), case_worker_a, missing=["income_proof"])
    assign_task(task_of(completing, "complete_materials"), user=case_worker_a)
    visiting = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    assign_task(task_of(visiting, "home_visit"), user=case_worker_a)
    noticed = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    noticed = propose(home_visit(noticed, case_worker_a, case_worker_a, case_worker_a2), case_worker_a)
    done = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    done = propose(home_visit(done, case_worker_a, case_worker_a, case_worker_a2), case_worker_a)
    done = sign_all(pass_notice(done, monkeypatch), case_worker_a, approver_a, approver_a2)
    file_case(case_worker_a, region.village_a, programme="tekun")
    assert done.status == "DONE" and noticed.notice_round == 1
    return datetime.date.today()


@pytest.mark.parametrize(
    "role", ["case_worker_a", "approver_a", "village_assistant_a", "county_officer", "county_reviewer", "auditor"]
)
def test_every_reachable_staff_page_is_in_the_design_system(request, cases_in_stages, client_for, role):
    """From the inbox, every same-site link a role can reach (GET only): no 5xx, no `<vf-`
    element, a viewport meta on every HTML page, and none of False/True/[]/{}/eligible/DONE
    displayed as a value (text nodes only)."""
    visited, problems = crawl(client_for(request.getfixturevalue(role)))
    print(f"\n{role}: {visited} pages crawled")
    assert visited > 5, "the crawl reached almost nothing"
    assert not problems, "\n".join(f"{url}: {what}" for url, what in problems)

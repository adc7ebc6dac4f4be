"""zh-Hans is the default language; English only by explicit choice, and then complete."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EN_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
EN_MO = EN_PO.with_suffix(".mo")
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\([A-Za-z0-9_]+\)[sdfr]|%[sdfr]|\{[A-Za-z0-9_]*\}")
# What `make messages` leaves out of the catalogue (keep in step with the Makefile).
IGNORED = ["--ignore=.venv", "--ignore=node_modules", "--ignore=bench", "--ignore=tests", "--ignore=data",
           "--ignore=test-artifacts"]  # fmt: skip


def read_po(path: Path) -> list[dict]:
    """The live entries of a .po file (blank-line separated blocks): msgctxt, msgid,
    msgid_plural, msgstr ({form: text}), fuzzy."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, field = {"fuzzy": False, "msgstr": {}}, None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry["fuzzy"] = "fuzzy" in line
            elif line.startswith("#"):
                continue  # comments, references, obsolete (#~) entries
            elif line.startswith('"'):
                if isinstance(field, int):
                    entry["msgstr"][field] += ast.literal_eval(line)
                else:
                    entry[field] += ast.literal_eval(line)
            elif line:
                keyword, _, rest = line.partition(" ")
                field = int(keyword[7:-1]) if keyword.startswith("msgstr[") else keyword
                if keyword.startswith("msgstr"):
                    field = field if isinstance(field, int) else 0
                    entry["msgstr"][field] = ast.literal_eval(rest)
                else:
                    entry[field] = ast.literal_eval(rest)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def untranslated(entries: list[dict]) -> list[str]:
    return [
        e["msgid"]
        for e in entries
        if CJK.search(e["msgid"]) and (e["fuzzy"] or not all(s.strip() for s in e["msgstr"].values()))
    ]


def test_default_is_chinese_even_for_an_english_browser(client):
    """An English Accept-Language does not switch the UI: staff see zh-Hans unless they choose."""
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"


def test_english_when_chosen(client, settings):
    """The language switch (cookie) selects English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/accounts/login/")["Content-Language"] == "en"


def test_unknown_language_falls_back(client, settings):
    """An unsupported cookie value falls back to zh-Hans."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get("/accounts/login/")["Content-Language"] == "zh-hans"


def test_task_and_process_statuses_are_chinese():
    """viewflow's statuses (pgettext context "STATUS", empty in its own zh_Hans catalogue)
    read in Chinese on every page that shows them."""
    from django.utils import translation
    from viewflow.workflow.status import PROCESS, STATUS

    with translation.override("zh-hans"):
        assert [str(label) for label in STATUS.labels] == [
            "已认领", "已取消", "已完成", "出错", "待办", "已恢复", "已排期", "办理中",
        ]  # fmt: skip
        assert str(PROCESS.NEW.label) == "待办"
    with translation.override("en"):
        assert str(STATUS.NEW.label) == "New"


def test_english_catalogue_translates_every_chinese_string():
    """Every Chinese source string has an English translation (not fuzzy, not empty) with
    the same placeholders, so no English page shows Chinese labels or breaks on a
    missing %(name)s."""
    entries = read_po(EN_PO)
    assert len(entries) > 1000
    assert untranslated(entries) == []
    for e in entries:
        sources = [e["msgid"], e.get("msgid_plural") or e["msgid"]]
        for n, text in e["msgstr"].items():
            if text:
                want = sorted(PLACEHOLDER.findall(sources[min(n, 1)]))
                assert sorted(PLACEHOLDER.findall(text)) == want, (e["msgid"], text)


def test_compiled_english_catalogue_matches_the_po_file():
    """The committed .mo (what Django reads) holds exactly the .po's translations."""
    with EN_MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    for e in read_po(EN_PO):
        if not CJK.search(e["msgid"]):
            continue
        key = f"{e['msgctxt']}\x04{e['msgid']}" if e.get("msgctxt") else e["msgid"]
        if e.get("msgid_plural"):
            assert catalog[(key, 0)] == e["msgstr"][0], e["msgid"]
        else:
            assert catalog[key] == e["msgstr"][0], e["msgid"]


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext tools are installed by the test command")
def test_english_catalogue_is_current(tmp_path):
    """`make messages` on the current sources finds no new string without a translation: a
    developer who adds a Chinese label adds its English in locale/en (then `make messages`)."""
    for name in ("project", "workflows", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.local", "DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", *IGNORED],
        cwd=tmp_path, env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    fresh = read_po(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert untranslated(fresh) == [], "new source strings without English: translate them in locale/en"


def test_staff_pages_in_english(client_for, case_worker_a, settings):
    """With English chosen, the workspace speaks English (navigation, headings)."""
    client = client_for(case_worker_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/workspace/inbox/").content.decode()
    assert "My tasks" in body and "Queue" in body and "Archive" in body
    assert "我的待办" not in body and "待领取" not in body


def test_anyone_can_switch_language_and_back(client):
    """The switch needs no login (applicants use it): it sets the choice and returns to
    the page it was used on."""
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/accounts/login/")["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/portal/"})
    assert client.get("/accounts/login/")["Content-Language"] == "zh-hans"


def test_switch_is_offered_on_the_login_page_and_in_the_workspace(client, client_for, case_worker_a, settings):
    """The login page and every workspace page carry the switch, naming the other language
    in itself; the page's lang attribute follows the language shown."""
    login = client.get("/accounts/login/").content.decode()
    assert 'action="/i18n/setlang/"' in login and ">English</button>" in login

    staff = client_for(case_worker_a)
    inbox = staff.get("/workspace/inbox/").content.decode()
    assert 'action="/i18n/setlang/"' in inbox and '<html lang="zh-Hans">' in inbox
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    inbox = staff.get("/workspace/inbox/").content.decode()
    assert ">中文</button>" in inbox and '<html lang="en">' in inbox


@pytest.mark.parametrize("url", ["/portal/", "/portal/status/", "/portal/apply/"])
def test_applicant_pages_in_english_have_no_chinese_left(client, settings, region, url):
    """An applicant who switched to English reads the portal's own text in English; the only
    Chinese left is the switch back ("中文") and names of places from the data."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(url).content.decode()
    assert '<html lang="en">' in body
    for name in ("中文", region.county.name, region.township_a.name, region.township_b.name):
        body = body.replace(name, "")
    assert CJK.findall(body) == [], url

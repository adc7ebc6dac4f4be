#!/usr/bin/env python
"""HTTP part of the production smoke stage (scripts/prod_smoke.sh starts the processes).

    prod_smoke.py http://127.0.0.1:PORT USERNAME PASSWORD [APPROVER]

Against a running gunicorn with production settings: the login page and its stylesheets
answer 200 with the security headers; the township case worker logs in, files one dibao
case through the staff intake page and accepts it; the Celery worker (a separate process)
then runs the household-finance check against the registry sandbox, and this script waits
until the check's result is stored. With APPROVER, that approver then signs in as an operator
would under the production second-factor rule (docs/security.md V2): the password alone opens
only the enrolment page; the script reads the secret shown there, computes the authenticator's
code (RFC 6238, as the phone app does), confirms, gets ten recovery codes and reaches the
workspace. Exits non-zero, naming the failed step, on any failure.

HTTPS is simulated as the reverse proxy would: every request carries
``X-Forwarded-Proto: https``, so Django sets Secure cookies and sends HSTS. Python's cookie
jar withholds Secure cookies from a plain http:// URL, so cookies are kept by hand here.
Standard library only (no dependency beyond the application's).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import html
import os
import re
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=",
}
CHECK_TIMEOUT = float(os.environ.get("SMOKE_CHECK_TIMEOUT", "90"))


class SmokeFailure(Exception):
    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Just enough of a browser: cookies (Secure ones too), CSRF token, Origin, no auto-redirect."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.origin = "https://" + urllib.parse.urlsplit(self.base).netloc
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        headers = {"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        if content_type:
            headers["Content-Type"] = content_type
        # Our own server, http(s) only: the base URL comes from prod_smoke.sh.
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)  # noqa: S310
        try:
            response = self.opener.open(req, timeout=60)
        except urllib.error.HTTPError as exc:  # 3xx (not followed) and errors alike
            response = exc
        with response:
            payload = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, payload

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]):
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def post_multipart(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]):
        boundary = uuid.uuid4().hex
        parts = []
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content, ctype) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n"
            )
            parts.append(head.encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}")


def step(name: str):
    print(f"  smoke: {name}", flush=True)


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def id_number(birth: datetime.date, seq: int) -> str:
    """A valid GB 11643 resident ID in the demo county's area code (not a real person)."""
    first17 = f"990101{birth:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def check_login_page(browser: Browser) -> None:
    step("login page, stylesheets and security headers")
    status, headers, body = browser.get("/accounts/login/")
    expect(status == 200, f"GET /accounts/login/ answered {status}")
    for name, value in SECURITY_HEADERS.items():
        expect(value in (headers.get(name) or ""), f"login page: header {name} is {headers.get(name)!r}")
    hrefs = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', body)
    expect(bool(hrefs), "the login page links no stylesheet")
    for href in hrefs:
        status, headers, css = browser.get(href.decode())
        expect(status == 200, f"stylesheet {href.decode()} answered {status}")
        expect(headers.get("Content-Type", "").startswith("text/css") and css, f"stylesheet {href.decode()} is empty")


def log_in(browser: Browser, username: str, password: str) -> None:
    step(f"log in as {username}")
    status, _, _ = browser.post_form("/accounts/login/", {"username": username, "password": password})
    expect(status == 302, f"login answered {status} (wrong password or CSRF refused)")
    expect("sessionid" in browser.cookies, "login set no session cookie")


def file_case(browser: Browser) -> tuple[int, int]:
    """File one dibao case through the intake page; return (process pk, acceptance task pk)."""
    step("file a dibao case through the staff intake page")
    status, _, page = browser.get("/staff/cases/dibao/start/")
    expect(status == 200, f"GET intake page answered {status}")
    villages = re.findall(rb'<option value="(\d+)"[^>]*>\s*([^<]+)</option>', page)
    village = next((pk for pk, name in villages if "青山村".encode() in name), None)
    expect(village is not None, "the intake page offers no village of 青山镇")
    fields = {
        "village": village.decode(), "area": "rural", "address": "青山村一组 8 号", "phone": "13912345678",
        "bank_account": "", "deposits": "0", "entrustment_note": "",
        "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-name": "烟测", "members-0-id_number": id_number(datetime.date(1970, 3, 1), 100 + os.getpid() % 800),
        "members-0-relation": "applicant", "members-0-income_kind": "wage", "members-0-monthly_income": "300",
        "members-0-signed_check_authorisation": "on", "members-0-signed_truthfulness": "on",
    }  # fmt: skip
    files = {"upload_application": ("申请书.pdf", b"%PDF-1.4\n% smoke\n", "application/pdf")}
    status, _, body = browser.post_multipart("/staff/cases/dibao/start/", fields, files)
    expect(status == 302, f"filing answered {status}: {re.sub(rb'<[^>]+>', b' ', body)[:600]!r}")
    status, _, queue = browser.get("/staff/cases/dibao/queue/")
    expect(status == 200, f"GET queue answered {status}")
    found = re.search(rb"/staff/cases/dibao/(\d+)/accept/(\d+)/", queue)
    expect(found is not None, "the filed case's acceptance task is not in the queue")
    return int(found[1]), int(found[2])


def accept_case(browser: Browser, process_pk: int, task_pk: int) -> None:
    step(f"accept case {process_pk} (requests the household-finance check)")
    base = f"/staff/cases/dibao/{process_pk}/accept/{task_pk}/"
    status, _, _ = browser.post_form(base + "assign/", {})
    expect(status == 302, f"claiming the acceptance task answered {status}")
    status, _, _ = browser.get(base + "execute/")
    expect(status == 200, f"GET acceptance form answered {status}")
    status, _, body = browser.post_form(base + "execute/", {"delegated": "on", "extension_reason": ""})
    expect(status == 302, f"accepting answered {status}: {re.sub(rb'<[^>]+>', b' ', body)[:600]!r}")


def wait_for_finance_check(process_pk: int) -> str:
    """Poll the database (these production settings) until the worker stored the check's result."""
    step("wait for the Celery worker to run the finance check")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from viewflow.workflow.status import STATUS

    from workflows.dibao.flows import DibaoFlow
    from workflows.dibao.models import DibaoProcess
    from workflows.finance_check.models import FinanceCheckProcess

    household_id = DibaoProcess.objects.values_list("household_id", flat=True).get(pk=process_pk)
    deadline = time.monotonic() + CHECK_TIMEOUT
    while time.monotonic() < deadline:
        check = FinanceCheckProcess.objects.filter(household_id=household_id).order_by("-pk").first()
        if check is not None and check.outcome:
            break
        time.sleep(0.5)
    else:
        raise SmokeFailure(f"no finance-check result for case {process_pk} after {CHECK_TIMEOUT:.0f} s (worker down?)")
    step(f"finance check {check.pk} finished: outcome {check.outcome}; waiting for the case to move on")
    # The result's signal queues a second job (advance_after_finance_check) that moves the case.
    waiting = DibaoFlow.task_class._default_manager.filter(
        process_id=process_pk, flow_task=DibaoFlow.await_finance_check
    )
    while time.monotonic() < deadline:
        if waiting.filter(status=STATUS.DONE).exists():
            return str(check.outcome)
        time.sleep(0.5)
    raise SmokeFailure(f"case {process_pk} still waits for its finance check after {CHECK_TIMEOUT:.0f} s")


def totp_code(secret: str, at: float) -> str:
    """RFC 6238 with the authenticator apps' defaults (SHA-1, 30 s, 6 digits)."""
    key = base64.b32decode(secret.replace(" ", ""))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def enrol_second_factor(browser: Browser, username: str, password: str) -> None:
    browser.get("/accounts/login/")  # a fresh browser: the CSRF cookie first
    log_in(browser, username, password)
    step(f"{username} must enrol a second factor before any staff page")
    status, headers, _ = browser.get("/workspace/inbox/")
    location = headers.get("Location") or ""
    expect(status == 302 and "/accounts/second-factor/enrol/" in location, f"inbox answered {status} {location!r}")
    status, _, page = browser.get("/accounts/second-factor/enrol/")
    expect(status == 200, f"GET enrolment answered {status}")
    expect(b'src="data:image/svg+xml' in page, "the enrolment page shows no QR code")
    secret = re.search(rb'id="otp-secret">([A-Z2-7 ]+)<', page)
    expect(secret is not None, "the enrolment page shows no secret")
    code = totp_code(secret[1].decode(), time.time())
    status, headers, _ = browser.post_form("/accounts/second-factor/enrol/", {"token": code})
    location = headers.get("Location") or ""
    expect(status == 302 and "recovery-codes" in location, f"confirming the code answered {status} {location!r}")
    status, _, page = browser.get(html.unescape(location))
    codes = re.findall(rb'font-monospace fs-5">([a-z2-7]+)<', page)
    expect(status == 200 and len(codes) == 10, f"recovery codes page answered {status} with {len(codes)} codes")
    status, _, _ = browser.get("/workspace/inbox/")
    expect(status == 200, f"inbox after enrolment answered {status}")


def main() -> int:
    base, username, password = sys.argv[1:4]
    approver = sys.argv[4] if len(sys.argv) > 4 else ""
    browser = Browser(base)
    try:
        check_login_page(browser)
        log_in(browser, username, password)
        process_pk, task_pk = file_case(browser)
        accept_case(browser, process_pk, task_pk)
        wait_for_finance_check(process_pk)
        if approver:
            enrol_second_factor(Browser(base), approver, password)
    except SmokeFailure as exc:
        print(f"  smoke FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

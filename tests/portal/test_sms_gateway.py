"""The HTTP SMS-gateway backend (issue 9 §4) against a real HTTP server on 127.0.0.1:
a signed JSON POST with the phone and the text; any non-2xx answer, redirect, timeout
or refused connection raises, so the Celery task retries; phones and texts never
appear unmasked in logs or error messages."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from workflows.core.models import AuditEvent
from workflows.portal import services
from workflows.portal.models import Notification
from workflows.portal.notifications.backends import HttpSmsBackend, SmsDeliveryError, sms_backend
from workflows.portal.tasks import send_notification

from .conftest import PHONE

KEY = "gw-key-1"
SECRET = "gw-secret-for-tests"
TEXT = "【社会救助】您的申请已受理，验证码 428913。"


class Gateway:
    """A tiny SMS gateway: records every request; answers from a script of
    (status, body, delay) tuples (the last one repeats)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, bytes, float]] = [(200, b'{"message_id": "gw-1"}', 0.0)]
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                gateway.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length) if length else b"",
                    }
                )
                index = min(len(gateway.requests) - 1, len(gateway.script) - 1)
                status, body, delay = gateway.script[index]
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    if status in (301, 302, 303, 307, 308):
                        self.send_header("Location", "/elsewhere")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            do_POST = _answer  # noqa: N815 - BaseHTTPRequestHandler's method names
            do_GET = _answer  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    with Gateway() as gw:
        settings.PORTAL_SMS_GATEWAY_URL = gw.url
        settings.PORTAL_SMS_GATEWAY_KEY = KEY
        settings.PORTAL_SMS_GATEWAY_SECRET = SECRET
        settings.PORTAL_SMS_GATEWAY_TIMEOUT = 0.5
        settings.PORTAL_SMS_SIGN_NAME = "社会救助"
        yield gw


def assert_nothing_personal(caplog, *messages):
    """Neither the phone nor the text (nor the secret) in any log record or error message."""
    logged = [r.getMessage() for r in caplog.records] + [str(m) for m in messages]
    for line in logged:
        assert PHONE not in line and TEXT not in line and "428913" not in line and SECRET not in line, line


def test_delivers_signed_json_post_and_returns_the_gateway_id(gateway, caplog):
    """One POST to the configured URL with phone, text and sign name as JSON; the key
    is sent, the secret only as an HMAC over timestamp and body; the gateway's
    message id is returned; the log line has the masked phone only."""
    caplog.set_level(logging.DEBUG)
    assert HttpSmsBackend().send(phone=PHONE, text=TEXT) == "gw-1"
    (req,) = gateway.requests
    assert req["method"] == "POST" and req["path"] == "/v1/sms"
    payload = json.loads(req["body"])
    assert payload["phone"] == PHONE and payload["text"] == TEXT and payload["sign_name"] == "社会救助"
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["content-type"].startswith("application/json")
    assert headers["x-api-key"] == KEY
    expected = hmac.new(SECRET.encode(), headers["x-timestamp"].encode() + b"." + req["body"], hashlib.sha256)
    assert hmac.compare_digest(headers["x-signature"], expected.hexdigest())
    assert abs(int(headers["x-timestamp"]) - time.time()) < 60
    assert SECRET not in json.dumps(headers) and SECRET not in req["body"].decode()
    assert any("139****5678" in r.getMessage() for r in caplog.records)
    assert_nothing_personal(caplog)


def test_a_2xx_without_an_id_falls_back_to_the_client_reference(gateway):
    """202 with an empty body is a success; the id is the reference we sent."""
    gateway.script = [(202, b"", 0.0)]
    message_id = HttpSmsBackend().send(phone=PHONE, text=TEXT)
    assert message_id == json.loads(gateway.requests[0]["body"])["client_ref"]


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_non_2xx_raises_without_personal_data(gateway, caplog, status):
    """Every non-2xx answer is a failure (even one whose body echoes the phone)."""
    caplog.set_level(logging.DEBUG)
    gateway.script = [(status, json.dumps({"error": "bad", "phone": PHONE}).encode(), 0.0)]
    with pytest.raises(SmsDeliveryError, match=f"HTTP {status}") as exc:
        HttpSmsBackend().send(phone=PHONE, text=TEXT)
    assert_nothing_personal(caplog, exc.value)


def test_redirect_is_a_failure_and_is_not_followed(gateway):
    """A 302 is not an acceptance; urllib must not replay the message elsewhere."""
    gateway.script = [(302, b"", 0.0)]
    with pytest.raises(SmsDeliveryError, match="HTTP 302"):
        HttpSmsBackend().send(phone=PHONE, text=TEXT)
    assert [r["method"] for r in gateway.requests] == ["POST"]


def test_timeout_raises_within_the_configured_time(gateway, caplog):
    """A gateway slower than ``PORTAL_SMS_GATEWAY_TIMEOUT`` is a failure, raised in time."""
    caplog.set_level(logging.DEBUG)
    gateway.script = [(200, b"{}", 2.0)]
    started = time.monotonic()
    with pytest.raises(SmsDeliveryError, match=r"no answer within 0\.5s") as exc:
        HttpSmsBackend().send(phone=PHONE, text=TEXT)
    assert time.monotonic() - started < 1.8
    assert_nothing_personal(caplog, exc.value)


def test_refused_connection_raises(settings, caplog):
    """Nothing listening on the port: a failure, not a crash of another kind."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = HttpSmsBackend(url=f"http://127.0.0.1:{port}/sms", api_key=KEY, api_secret=SECRET, timeout=0.5)
    with pytest.raises(SmsDeliveryError, match="cannot connect") as exc:
        backend.send(phone=PHONE, text=TEXT)
    assert_nothing_personal(caplog, exc.value)


def test_misconfiguration_is_refused(settings):
    """No URL, a non-http URL, or no key/secret: ImproperlyConfigured, nothing sent."""
    settings.PORTAL_SMS_GATEWAY_KEY, settings.PORTAL_SMS_GATEWAY_SECRET = KEY, SECRET
    for url in ("", "file:///etc/passwd", "ftp://127.0.0.1/"):
        settings.PORTAL_SMS_GATEWAY_URL = url
        with pytest.raises(ImproperlyConfigured):
            HttpSmsBackend()
    settings.PORTAL_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    settings.PORTAL_SMS_GATEWAY_SECRET = ""
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend()


def test_selected_by_setting(gateway, settings):
    """``PORTAL_SMS_BACKEND`` picks the gateway backend."""
    settings.PORTAL_SMS_BACKEND = "workflows.portal.notifications.backends.HttpSmsBackend"
    assert isinstance(sms_backend(), HttpSmsBackend)


@pytest.fixture
def queued(region, online_case, settings, django_capture_on_commit_callbacks, gateway):
    """An "accepted" SMS queued for the online case, not yet sent (the task is captured).

    Eager ``apply()`` replays a task's ``self.retry`` at once, as a worker would after
    the delay, as long as eager errors do not propagate; the test settings make them
    propagate, so that is switched off here."""
    settings.PORTAL_SMS_BACKEND = "workflows.portal.notifications.backends.HttpSmsBackend"
    conf = send_notification.app.conf
    propagates = conf.task_eager_propagates
    conf.task_eager_propagates = False
    with django_capture_on_commit_callbacks(execute=False):
        (note,) = services.notification_queue(process=online_case, stage="accepted")
    yield note
    conf.task_eager_propagates = propagates


def test_celery_task_retries_until_the_gateway_accepts(queued, gateway, caplog):
    """503 then 200: the task fails, Celery retries, the second attempt delivers;
    the notification is SENT after 2 attempts and the gateway got the real phone."""
    caplog.set_level(logging.DEBUG)
    gateway.script = [(503, b"", 0.0), (200, b'{"id": 77}', 0.0)]
    assert send_notification.apply(args=[queued.pk]).get() == "sent"
    note = Notification.objects.get(pk=queued.pk)
    assert (note.status, note.attempts) == (Notification.Status.SENT, 2)
    assert [json.loads(r["body"])["phone"] for r in gateway.requests] == [PHONE, PHONE]
    assert json.loads(gateway.requests[1]["body"])["text"] == note.body
    for record in caplog.records:
        assert PHONE not in record.getMessage() and note.body not in record.getMessage()


def test_gateway_down_marks_the_notification_failed_after_three_attempts(queued, gateway, caplog):
    """A gateway that keeps failing: three attempts (the task and its retries), then
    FAILED (recorded on the case chain), never SENT; a redelivery does not send again."""
    caplog.set_level(logging.DEBUG)
    gateway.script = [(500, b"", 0.0)]
    result = send_notification.apply(args=[queued.pk])
    note = Notification.objects.get(pk=queued.pk)
    assert (note.status, note.attempts) == (Notification.Status.FAILED, 3)
    assert len(gateway.requests) == 3
    assert result.get() == "skipped"  # the task's last retry finds it FAILED and stops
    assert send_notification.apply(args=[queued.pk]).get() == "skipped" and len(gateway.requests) == 3
    failed = AuditEvent.objects.get(action="portal.notification_failed", process_id=queued.process_id)
    assert failed.changes == {"status": ["queued", "failed"]} and failed.data == {"attempts": 3}
    for record in caplog.records:
        assert PHONE not in record.getMessage() and note.body not in record.getMessage()


def test_one_time_code_with_gateway_down_answers_like_an_unknown_case(
    client, online_case, settings, gateway, django_capture_on_commit_callbacks, caplog
):
    """The code is sent through the gateway; when it fails the applicant gets the same
    page as for an unknown case (no error page that would reveal the case exists),
    and the failure is logged without the phone or the code."""
    settings.PORTAL_SMS_BACKEND = "workflows.portal.notifications.backends.HttpSmsBackend"
    caplog.set_level(logging.DEBUG)
    gateway.script = [(503, b"", 0.0)]
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/portal/status/code/", {"case_number": online_case.case_number}, REMOTE_ADDR="10.7.0.1")
    unknown = client.post("/portal/status/code/", {"case_number": "DB-990101001-2026-999999"}, REMOTE_ADDR="10.7.0.2")
    assert len(gateway.requests) == 1 and json.loads(gateway.requests[0]["body"])["phone"] == PHONE
    code = json.loads(gateway.requests[0]["body"])["text"].split("验证码是 ")[1][:6]
    assert known.status_code == unknown.status_code == 200
    assert known.content.replace(online_case.case_number.encode(), b"") == unknown.content.replace(
        b"DB-990101001-2026-999999", b""
    )
    for record in caplog.records:
        assert PHONE not in record.getMessage() and code not in record.getMessage()

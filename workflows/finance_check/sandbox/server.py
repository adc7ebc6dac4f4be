"""The sandbox registry service: a small HTTP server standing in for MSL 17's registries.

It speaks the adapters' wire format (``workflows.finance_check.adapters.base``)
for every source at ``POST /registries/<source>/query`` and answers with
deterministic records (``records.py``). Latency and failure modes are set per
source, so the demo and the tests exercise timeouts, HTTP 500 and malformed
bodies over real HTTP:

- ``POST /_control`` with JSON, any of:
  ``{"source": "vehicles" | "*", "mode": "ok" | "timeout" | "http500" | "malformed",
  "latency_ms": 200, "times": 2}`` -- ``times``: fail that many requests, then ok;
  ``{"records": {"<id number>": {"<source>": [record, ...]}}}`` -- add records;
  ``{"reset": true}`` -- back to the fixtures, no latency, no failures, zero counters.
- ``GET /_stats`` -- ``{"requests": n, "by_source": {...}}`` (queries only).
- ``GET /_health`` -- ``{"ok": true}``.

Run it with ``manage.py registry_sandbox`` (foreground) or, in tests,
``SandboxServer(port=0).start()`` (a daemon thread).
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..sources import ALL_SOURCES, Source
from .records import NAMES, fixture_records, registration_record

MODES = ("ok", "timeout", "http500", "malformed")
MAX_REQUEST = 64 * 1024


class SandboxState:
    """Everything the handlers read and the control endpoint changes (thread-safe)."""

    def __init__(self, *, token: str = "", hang_seconds: float = 30.0):
        self.lock = threading.Lock()
        self.token = token
        self.hang_seconds = hang_seconds
        self.stopping = threading.Event()
        self.reset()

    def reset(self):
        with self.lock:
            self.records = fixture_records()
            self.modes: dict[str, dict[str, Any]] = {
                s: {"mode": "ok", "latency_ms": 0, "times": None} for s in ALL_SOURCES
            }
            self.by_source: dict[str, int] = dict.fromkeys(ALL_SOURCES, 0)

    # -- control ------------------------------------------------------------
    def set_mode(self, source: str = "*", mode: str | None = None, latency_ms: int | None = None, times=None):
        if mode is not None and mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        targets = ALL_SOURCES if source == "*" else [Source(source).value]
        with self.lock:
            for s in targets:
                if mode is not None:
                    self.modes[s]["mode"] = mode
                    self.modes[s]["times"] = int(times) if times is not None else None
                if latency_ms is not None:
                    self.modes[s]["latency_ms"] = max(0, int(latency_ms))

    def add_records(self, records: dict[str, dict[str, list[dict]]]):
        with self.lock:
            for id_number, by_source in records.items():
                mine = self.records.setdefault(id_number.upper(), {})
                for source, items in by_source.items():
                    mine.setdefault(Source(source).value, []).extend(copy.deepcopy(items))

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": sum(self.by_source.values()), "by_source": dict(self.by_source)}

    # -- queries ------------------------------------------------------------
    def take_mode(self, source: str) -> tuple[str, int]:
        """Count the request and return (mode, latency) for it, consuming one failure of ``times``."""
        with self.lock:
            self.by_source[source] += 1
            conf = self.modes[source]
            mode = conf["mode"]
            if mode != "ok" and conf["times"] is not None:
                conf["times"] -= 1
                if conf["times"] <= 0:
                    conf["mode"], conf["times"] = "ok", None
            return mode, conf["latency_ms"]

    def answer(self, source: str, id_numbers: list[str]) -> list[dict]:
        with self.lock:
            out = []
            for id_number in id_numbers:
                mine = self.records.get(id_number, {})
                if source == Source.HOUSEHOLD_REGISTRATION and source not in mine:
                    out.append(registration_record(id_number, NAMES.get(id_number, "")))
                out.extend(copy.deepcopy(mine.get(source, [])))
            return out


class Handler(BaseHTTPRequestHandler):
    server_version = "RegistrySandbox/1"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> SandboxState:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format, *args):
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str = "application/json; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
            self.wfile.write(body)

    def _json(self, status: int, payload: Any):
        self._send(status, json.dumps(payload, ensure_ascii=False).encode())

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST:
            raise ValueError("request too large")
        raw = self.rfile.read(length) if length else b"{}"
        return json.loads(raw.decode("utf-8"))

    def do_GET(self):
        if self.path == "/_stats":
            return self._json(HTTPStatus.OK, self.state.stats())
        if self.path == "/_health":
            return self._json(HTTPStatus.OK, {"ok": True})
        return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self):
        try:
            body = self._body()
        except (ValueError, UnicodeDecodeError):
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "body must be JSON"})
        if self.path == "/_control":
            return self._control(body)
        parts = self.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "registries" and parts[2] == "query" and parts[1] in ALL_SOURCES:
            return self._query(parts[1], body)
        return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def _control(self, body):
        state = self.state
        try:
            if body.get("reset"):
                state.reset()
            if "records" in body:
                state.add_records(body["records"])
            if any(k in body for k in ("mode", "latency_ms")):
                state.set_mode(body.get("source", "*"), body.get("mode"), body.get("latency_ms"), body.get("times"))
        except (ValueError, TypeError, AttributeError) as exc:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        return self._json(HTTPStatus.OK, {"ok": True, "modes": state.modes})

    def _query(self, source: str, body):
        state = self.state
        if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
            return self._json(HTTPStatus.UNAUTHORIZED, {"error": "invalid token"})
        ids = body.get("id_numbers") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "id_numbers must be a list of strings"})
        mode, latency_ms = state.take_mode(source)
        if latency_ms and state.stopping.wait(latency_ms / 1000):
            return None
        if mode == "timeout":
            state.stopping.wait(state.hang_seconds)  # longer than any client timeout
            return self._json(HTTPStatus.GATEWAY_TIMEOUT, {"error": "upstream timed out"})
        if mode == "http500":
            return self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "registry internal error"})
        if mode == "malformed":
            return self._send(HTTPStatus.OK, b'{"source": "' + source.encode() + b'", "records": [{"id_numb')
        records = state.answer(source, [i.strip().upper() for i in ids])
        return self._json(
            HTTPStatus.OK, {"source": source, "request_id": body.get("request_id", ""), "records": records}
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops SYNs when all sources connect at once


class SandboxServer:
    """``ThreadingHTTPServer`` with the sandbox state; start in a thread or serve in the foreground."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8765, *, token: str = "", verbose: bool = False,
                 hang_seconds: float = 30.0):  # fmt: skip
        self.state = SandboxState(token=token, hang_seconds=hang_seconds)
        self.httpd = _Server((host, port), Handler)
        self.httpd.state = self.state
        self.httpd.verbose = verbose
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="registry-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self.httpd.serve_forever()

    def stop(self):
        self.state.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    # In-process shortcuts (tests); the same as POST /_control.
    def set_mode(self, source: str = "*", mode: str | None = None, *, latency_ms: int | None = None, times=None):
        self.state.set_mode(source, mode, latency_ms, times)

    def add_records(self, records):
        self.state.add_records(records)

    def reset(self):
        self.state.reset()

    def stats(self):
        return self.state.stats()

"""End to end: the rendered Rust service, started on loopback, continues an incoming
trace, names and attributes its spans per the conventions, calls its downstream with
the context and only the allowed baggage, stamps log lines with the trace, takes the
kill switch at run time on its own listener and shuts down gracefully."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.rust.rusttools import assert_ok, build_kept, cargo_env, needs_cargo, render_crate

ROOT = Path(__file__).resolve().parent.parent
CONVENTIONS = ROOT / "conventions" / "observability.yaml"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
HASH_KEY = "e2e-hash-key"

pytestmark = [needs_cargo, pytest.mark.toolchain, pytest.mark.slow]


class Downstream:
    """A loopback HTTP server that records the headers of every request."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append({k.lower(): v for k, v in self.headers.items()})
                body = b"7 left"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("rust-e2e")
    render_crate(CONVENTIONS, dest)
    kept = dest / "service"
    assert_ok(build_kept(dest, kept), "cargo build")
    return kept


@pytest.fixture
def downstream() -> Iterator[Downstream]:
    server = Downstream()
    yield server
    server.close()


def _reader(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _request(url: str, headers: dict[str, str], data: bytes | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read().decode()


def _hmac(text: str) -> str:
    return hmac.new(HASH_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def _addresses(lines: queue.Queue[str], proc: subprocess.Popen[str]) -> tuple[str, str, list[Any]]:
    """The service's and the admin listener's addresses, from the start-up lines."""
    out: list[dict[str, Any]] = []
    found: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while len(found) < 2 and time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            continue
        record = json.loads(line)
        out.append(record)
        if record.get("message") in ("listening", "telemetry admin listening"):
            found[record["message"]] = record["address"]
    assert len(found) == 2, out
    return found["listening"], found["telemetry admin listening"], out


def test_service_continues_the_trace_and_propagates_per_the_conventions(
    built: Path, downstream: Downstream
) -> None:
    env = cargo_env()
    env.update(
        {
            "DEPLOYMENT_ENVIRONMENT": "production",  # ratio 0.1: only the sampled parent decides
            "ACME_TEAM": "payments",
            "OTEL_TRACES_EXPORTER": "console",
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_BSP_SCHEDULE_DELAY": "50",
            "LISTEN_ADDR": "127.0.0.1:0",
            "ADMIN_ADDR": "127.0.0.1:0",
            "ACME_TELEMETRY_HASH_KEY": HASH_KEY,
            "ACME_TELEMETRY_ADMIN_TOKEN": "e2e-token",
            "DOWNSTREAM_URL": downstream.url,
            "RUST_LOG": "info",
        }
    )
    proc = subprocess.Popen(
        [str(built)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    out: list[dict[str, Any]] = []
    try:
        address, admin, out = _addresses(lines, proc)
        base = f"http://{address}"
        sampled = {"traceparent": f"00-{TRACE}-{PARENT}-01"}
        status, body = _request(f"{base}/orders/41", sampled)
        assert (status, json.loads(body)) == (200, {"id": "41"})
        status, body = _request(
            f"{base}/orders/42/call",
            {
                **sampled,
                "baggage": "app.tenant.id=t-1,app.user.email=jane%40example.com,other=x,app.plan=team",
            },
        )
        assert (status, json.loads(body)) == (200, {"downstream": 200})

        # The levers are not on the service's listener.
        try:
            # An unsampled parent: the probe must not add a span by the 0.1 ratio.
            unsampled = {"traceparent": f"00-{TRACE}-{PARENT}-00"}
            _request(
                f"{base}/-/telemetry", {**unsampled, "Authorization": "Bearer e2e-token"}, b"{}"
            )
            raise AssertionError("the levers answered on the service's listener")
        except urllib.error.HTTPError as err:
            assert err.code == 404
        # Incident lever at run time, on the admin listener: switch tracing off.
        status, state = _request(
            f"http://{admin}/-/telemetry",
            {"Authorization": "Bearer e2e-token", "Content-Type": "application/json"},
            b'{"enabled": false}',
        )
        assert status == 200 and json.loads(state) == {"enabled": False, "ratio": 0.1}
        other = f"00-0af7651916cd43dd8448eb211c80319c-{PARENT}-01"
        _request(f"{base}/orders/43/call", {"traceparent": other})
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    while not lines.empty():
        out.append(json.loads(lines.get()))

    spans = [r for r in out if "kind" in r]
    logs = [r for r in out if "level" in r]
    server = [s for s in spans if s["kind"] == "server"]
    client = [s for s in spans if s["kind"] == "client"]
    assert len(server) == 2 and len(client) == 1, spans  # the third request was not traced
    call = next(s for s in server if s["name"] == "GET /orders/{id}/call")
    client_span = client[0]

    # The incoming trace is continued, named and described per the conventions.
    assert call["trace_id"] == TRACE
    assert call["parent_span_id"] == PARENT
    attrs = call["attributes"]
    assert attrs["http.request.method"] == "GET"
    assert attrs["http.route"] == "/orders/{id}/call"
    assert attrs["http.response.status_code"] == 200  # an integer, not a string
    assert attrs["url.path"] == "/orders/42/call"
    # The peer is personal data in the registry: a keyed hash before export.
    assert attrs["client.address"] == _hmac("127.0.0.1")
    assert "client.port" not in attrs  # Opt-In on HTTP server spans
    assert isinstance(attrs["network.peer.port"], int)
    assert call["status"] == "unset"

    # The outgoing call is a child span and carries the context.
    assert client_span["trace_id"] == TRACE
    assert client_span["parent_span_id"] == call["span_id"]
    assert client_span["name"] == "GET"
    url = f"{downstream.url}/orders/42"
    # url.full is personal data in the registry: a keyed hash before export.
    assert client_span["attributes"]["url.full"] == _hmac(url)
    assert len(downstream.seen) == 2
    first = downstream.seen[0]
    assert first["traceparent"] == f"00-{TRACE}-{client_span['span_id']}-01"
    keys = sorted(entry.split("=")[0] for entry in first["baggage"].split(","))
    assert keys == ["app.plan", "app.tenant.id"]
    # With tracing off, the incoming context goes downstream exactly as it came.
    assert downstream.seen[1]["traceparent"] == other

    # Log lines written inside the request carry the conventions' fields.
    read = next(s for s in server if s["name"] == "GET /orders/{id}")
    inside = [r for r in logs if r.get("message") == "order read" and r.get("order") == "41"]
    assert inside and inside[0]["trace_id"] == TRACE
    assert inside[0]["span_id"] == read["span_id"]
    assert inside[0]["trace_flags"] == "01"
    changed = [r for r in logs if r.get("message") == "telemetry levers changed"]
    assert changed and changed[0]["tracing_enabled"] is False
    assert "admin" in changed[0]["source"]
    assert any(r.get("message") == "shutting down" for r in logs)


def test_shutdown_is_bounded_when_the_collector_is_unreachable(built: Path) -> None:
    env = cargo_env()
    env.update(
        {
            "DEPLOYMENT_ENVIRONMENT": "development",
            "ACME_TEAM": "payments",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1",  # nothing listens there
            "LISTEN_ADDR": "127.0.0.1:0",
            "DOWNSTREAM_URL": "http://127.0.0.1:1",
        }
    )
    proc = subprocess.Popen(
        [str(built)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    records: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 30
        address = ""
        while not address and time.monotonic() < deadline:
            try:
                record = json.loads(lines.get(timeout=0.5))
            except queue.Empty:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                continue
            records.append(record)
            address = record.get("address", "") if record.get("message") == "listening" else ""
        assert address, records
        try:
            _request(f"http://{address}/orders/1/call", {})
        except urllib.error.HTTPError as err:
            assert err.code == 502  # the downstream is unreachable too
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    # The conventions' shutdown timeout is 5 s: flush and shutdown give up by then.
    assert elapsed < 20, elapsed

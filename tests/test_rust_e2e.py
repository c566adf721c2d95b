"""End to end: the rendered Rust service, started on loopback, continues an incoming
trace, names and attributes its spans per the conventions, calls its downstream with
the context and only the allowed baggage, stamps log lines with the trace, takes the
kill switch at run time and shuts down gracefully."""

from __future__ import annotations

import hashlib
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

from tests.rust.rusttools import assert_ok, binary, cargo, cargo_env, needs_cargo, render_crate

ROOT = Path(__file__).resolve().parent.parent
CONVENTIONS = ROOT / "conventions" / "observability.yaml"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"

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
    assert_ok(cargo(["build"], dest), "cargo build")
    return binary()


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
        deadline = time.monotonic() + 30
        address = ""
        while not address and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                continue
            record = json.loads(line)
            out.append(record)
            if record.get("message") == "listening":
                address = record["address"]
        assert address.startswith("127.0.0.1:"), out
        base = f"http://{address}"

        status, body = _request(
            f"{base}/orders/42",
            {
                "traceparent": f"00-{TRACE}-{PARENT}-01",
                "baggage": "app.tenant.id=t-1,app.user.email=jane%40example.com,other=x,app.plan=team",
            },
        )
        assert (status, body) == (200, "order 42: 7 left")

        # Incident lever at run time: switch tracing off, then a sampled request.
        status, state = _request(f"{base}/-/telemetry", {}, b'{"enabled": false}')
        assert status == 200 and json.loads(state) == {"enabled": False, "ratio": 0.1}
        other = "0af7651916cd43dd8448eb211c80319c"
        _request(f"{base}/orders/43", {"traceparent": f"00-{other}-{PARENT}-01"})
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
    time.sleep(0)

    spans = [r for r in out if "kind" in r]
    logs = [r for r in out if "level" in r]
    server = [s for s in spans if s["kind"] == "server"]
    client = [s for s in spans if s["kind"] == "client"]
    assert len(server) == 1 and len(client) == 1, spans  # the second request was not traced
    server_span, client_span = server[0], client[0]

    # The incoming trace is continued, named and described per the conventions.
    assert server_span["trace_id"] == TRACE
    assert server_span["parent_span_id"] == PARENT
    assert server_span["name"] == "GET /orders/{id}"
    attrs = server_span["attributes"]
    assert attrs["http.request.method"] == "GET"
    assert attrs["http.route"] == "/orders/{id}"
    assert attrs["http.response.status_code"] == 200  # an integer, not a string
    assert attrs["url.path"] == "/orders/42"
    # The peer is personal data in the registry: hashed before export.
    assert attrs["client.address"] == hashlib.sha256(b"127.0.0.1").hexdigest()
    assert isinstance(attrs["client.port"], int)
    assert server_span["status"] == "unset"

    # The outgoing call is a child span and carries the context.
    assert client_span["trace_id"] == TRACE
    assert client_span["parent_span_id"] == server_span["span_id"]
    assert client_span["name"] == "GET"
    url = f"{downstream.url}/stock/42"
    # url.full is personal data in the registry: hashed before export.
    assert client_span["attributes"]["url.full"] == hashlib.sha256(url.encode()).hexdigest()
    assert len(downstream.seen) == 2
    first = downstream.seen[0]
    assert first["traceparent"] == f"00-{TRACE}-{client_span['span_id']}-01"
    keys = sorted(entry.split("=")[0] for entry in first["baggage"].split(","))
    assert keys == ["app.plan", "app.tenant.id"]
    # With tracing off, the context still flows but the service adds no spans.
    assert downstream.seen[1]["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")

    # Log lines written inside the request carry the conventions' fields.
    inside = [r for r in logs if r.get("message") == "looking up stock" and r.get("order") == "42"]
    assert inside and inside[0]["trace_id"] == TRACE
    assert inside[0]["span_id"] == server_span["span_id"]
    assert inside[0]["trace_flags"] == "01"
    changed = [r for r in logs if r.get("message") == "telemetry levers changed"]
    assert changed and changed[0]["tracing_enabled"] is False
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
            _request(f"http://{address}/orders/1", {})
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

"""End to end: the rendered service, built and started as a process on 127.0.0.1, continues
the caller's trace, names and attributes its spans by the conventions, calls a real
downstream with the trace context and only the allowed baggage, takes the kill switch at
run time, stamps trace ids on its logs and shuts down gracefully on SIGTERM."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.go.gotools import GO, assert_ok, go_env, needs_go, render_service, run

ROOT = Path(__file__).resolve().parent.parent
CONVENTIONS = ROOT / "conventions" / "observability.yaml"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
KILLED_TRACE_ID = "5bf92f3577b34da6a3ce929d0e0e4737"

pytestmark = [needs_go, pytest.mark.toolchain]


@dataclass
class Downstream:
    """A real HTTP server on 127.0.0.1 that records the headers of each request."""

    server: ThreadingHTTPServer
    seen: queue.Queue[dict[str, str]] = field(default_factory=queue.Queue)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


@pytest.fixture
def downstream() -> Iterator[Downstream]:
    seen: queue.Queue[dict[str, str]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.put({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Downstream(server, seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("go-e2e")
    render_service(CONVENTIONS, dest)
    assert_ok(run([str(GO), "build", "-o", "bin/service", "."], dest), "go build")
    return dest / "bin" / "service"


class Lines:
    """Reads a pipe line by line in a thread, so waits are bounded in time."""

    def __init__(self, stream: Any) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.all: list[str] = []
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self.all.append(line)
            self.lines.put(line)

    def wait_for(self, predicate: Any, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if predicate(line):
                return line
        raise AssertionError("no such line within the time limit:\n" + "".join(self.all))


def json_lines(lines: list[str]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def attrs(span: dict[str, Any]) -> dict[str, Any]:
    return {a["Key"]: a["Value"]["Value"] for a in span.get("Attributes") or []}


def get(url: str, headers: dict[str, str]) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, resp.read().decode()


def test_service_continues_trace_and_filters_baggage(binary: Path, downstream: Downstream) -> None:
    env = go_env()
    env.update(
        {
            "LISTEN_ADDR": "127.0.0.1:0",
            "ADMIN_ADDR": "127.0.0.1:0",
            "ACME_TELEMETRY_ADMIN_TOKEN": "e2e-token",
            "ACME_TELEMETRY_HASH_KEY": "e2e-hash-key",
            "DOWNSTREAM_URL": downstream.url,
            "DEPLOYMENT_ENVIRONMENT": "production",  # ratio 0.1: the caller's sampled flag must win
            "ACME_TEAM": "payments-team",
            "SERVICE_VERSION": "1.2.3",
            "OTEL_TRACES_EXPORTER": "console",
            "OTEL_METRICS_EXPORTER": "console",
        }
    )
    proc = subprocess.Popen(
        [str(binary)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = Lines(proc.stdout), Lines(proc.stderr)
        listening = json.loads(err.wait_for(lambda line: '"listening"' in line))
        admin = json.loads(err.wait_for(lambda line: '"admin listening"' in line))
        base = f"http://{listening['addr']}"

        baggage = "app.tenant.id=tenant-42,app.user.email=jane%40example.com,zz.private=1"
        status, body = get(
            f"{base}/orders/world/call",
            {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01", "baggage": baggage},
        )
        assert status == 200 and json.loads(body) == {"downstream": 200}
        sent = downstream.seen.get(timeout=10)
        version, trace_id, client_span, flags = sent["traceparent"].split("-")
        assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
        members = dict(
            urllib.parse.unquote(m).split("=", 1) for m in sent.get("baggage", "").split(",") if m
        )
        assert members == {"app.tenant.id": "tenant-42"}, sent.get("baggage")

        # The kill switch, at run time, through the admin listener (token, JSON only):
        # no new spans, and the caller's context passes through unchanged.
        req = urllib.request.Request(
            f"http://{admin['addr']}/-/telemetry",
            data=b'{"enabled": false}',
            method="POST",
            headers={"Authorization": "Bearer e2e-token", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert json.loads(resp.read()) == {"enabled": False, "ratio": 0.1}
        err.wait_for(lambda line: "telemetry levers changed" in line)
        killed = f"00-{KILLED_TRACE_ID}-{CALLER_SPAN}-01"
        get(f"{base}/orders/again/call", {"traceparent": killed})
        assert downstream.seen.get(timeout=10)["traceparent"] == killed

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        out.thread.join(timeout=10)
        err.thread.join(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    written = json_lines(out.all)
    spans = [s for s in written if "SpanContext" in s]
    assert spans, "no spans written on shutdown:\n" + "".join(err.all)
    metrics = {
        m["Name"]: m
        for batch in written
        if "ScopeMetrics" in batch
        for scope in batch["ScopeMetrics"]
        for m in scope["Metrics"]
    }
    server_duration = metrics["http.server.request.duration"]
    assert server_duration["Unit"] == "s"
    points = server_duration["Data"]["DataPoints"]
    assert sum(p["Count"] for p in points) == 2
    for point in points:
        labels = {a["Key"]: a["Value"]["Value"] for a in point["Attributes"]}
        assert labels["http.route"] == "/orders/{id}/call"
        assert labels["http.response.status_code"] == 200
        assert not {
            "client.address",
            "url.path",
            "url.full",
            "user_agent.original",
            "server.address",
        } & set(labels)
    assert "http.client.request.duration" in metrics
    assert not [s for s in spans if s["SpanContext"]["TraceID"] == KILLED_TRACE_ID]
    server = next(s for s in spans if s["SpanKind"] == 2)
    client = next(s for s in spans if s["SpanKind"] == 3)
    assert server["SpanContext"]["TraceID"] == TRACE_ID
    assert server["Parent"]["SpanID"] == CALLER_SPAN and server["Parent"]["Remote"]
    assert server["Name"] == "GET /orders/{id}/call"
    sa = attrs(server)
    assert sa["http.request.method"] == "GET"
    assert sa["http.route"] == "/orders/{id}/call"
    assert sa["http.response.status_code"] == 200
    assert sa["url.path"] == "/orders/world/call"
    assert sa["server.address"] == "127.0.0.1"  # the request's Host header
    # client.address is classed pii and the conventions hash pii (HMAC) before export.
    assert sa["client.address"] != "127.0.0.1" and len(sa["client.address"]) == 64
    resource = {a["Key"]: a["Value"]["Value"] for a in server["Resource"]}
    assert resource["service.name"] == "payments"
    assert resource["acme.team"] == "payments-team"
    assert resource["deployment.environment.name"] == "production"
    assert resource["service.version"] == "1.2.3"

    assert client["Name"] == "GET"
    assert client["Parent"]["SpanID"] == server["SpanContext"]["SpanID"]
    assert client["SpanContext"]["SpanID"] == client_span

    logs = json_lines(err.all)
    greeted = next(rec for rec in logs if rec.get("msg") == "downstream answered")
    assert greeted["trace_id"] == TRACE_ID
    assert greeted["span_id"] == server["SpanContext"]["SpanID"]


def test_watched_file_lever_changes_a_running_service(
    tmp_path: Path, downstream: Downstream
) -> None:
    """Conventions with `control: watched_file`: writing the control file switches
    tracing off in the running service, and the change is logged."""
    control = tmp_path / "control" / "telemetry.json"
    control.parent.mkdir()
    data = yaml.safe_load(CONVENTIONS.read_text(encoding="utf-8"))
    data["incident"]["control"] = "watched_file"
    data["incident"]["control_file"] = str(control)
    conventions = tmp_path / "observability.yaml"
    conventions.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    service = tmp_path / "svc"
    files = render_service(conventions, service)
    assert "AdminHandler" not in files["main.go"]
    assert_ok(run([str(GO), "build", "-o", "bin/service", "."], service), "go build")

    env = go_env()
    env.update(
        {
            "LISTEN_ADDR": "127.0.0.1:0",
            "DOWNSTREAM_URL": downstream.url,
            "DEPLOYMENT_ENVIRONMENT": "development",
            "ACME_TEAM": "payments-team",
            "OTEL_TRACES_EXPORTER": "console",
            "OTEL_METRICS_EXPORTER": "none",
        }
    )
    proc = subprocess.Popen(
        [str(service / "bin" / "service")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = Lines(proc.stdout), Lines(proc.stderr)
        base = "http://" + json.loads(err.wait_for(lambda line: '"listening"' in line))["addr"]
        get(f"{base}/orders/on/call", {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"})
        assert downstream.seen.get(timeout=10)["traceparent"].endswith("-01")

        control.write_text('{"enabled": false}', encoding="utf-8")
        changed = json.loads(err.wait_for(lambda line: "telemetry levers changed" in line))
        assert changed["tracing_enabled"] is False and str(control) in changed["source"]
        killed = f"00-{KILLED_TRACE_ID}-{CALLER_SPAN}-01"
        get(f"{base}/orders/off/call", {"traceparent": killed})
        # Switched off, the service passes the caller's context through unchanged.
        assert downstream.seen.get(timeout=10)["traceparent"] == killed

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        out.thread.join(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    traces = {s["SpanContext"]["TraceID"] for s in json_lines(out.all) if "SpanContext" in s}
    assert TRACE_ID in traces and KILLED_TRACE_ID not in traces

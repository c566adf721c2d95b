"""A rendered Go service exports to `scaffold verify --listen` over OTLP/HTTP (protobuf,
gzip): correct requests give no violation; a handler the test makes wrong (an unregistered
attribute, a raw e-mail in a registered one) gives exactly those findings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from tests.conftest import DEFAULT_CONVENTIONS, ROOT
from tests.go.gotools import GO, assert_ok, go_env, needs_go, render_service, run

pytestmark = [needs_go, pytest.mark.toolchain]

BAD_ROUTE = '\tmux.HandleFunc("GET /bad", a.bad)\n'
BAD_HANDLER = """
// bad breaks the conventions on purpose: an attribute outside the registry, and an
// e-mail address in an attribute that is not classed as personal data.
func (a *app) bad(w http.ResponseWriter, r *http.Request) {
	trace.SpanFromContext(r.Context()).SetAttributes(
		attribute.String("acme.unregistered", "x"),
		telemetry.AppTenantID("jane@example.com"),
	)
	_, _ = io.WriteString(w, "bad\\n")
}
"""
IMPORTS = (
    '\t"net/http"\n',
    '\t"net/http"\n\n\t"example.com/payments/internal/telemetry"\n'
    '\t"go.opentelemetry.io/otel/attribute"\n\t"go.opentelemetry.io/otel/trace"\n',
)


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("go-verify")
    render_service(DEFAULT_CONVENTIONS, dest)
    handlers = dest / "handlers.go"
    text = handlers.read_text(encoding="utf-8")
    anchor = '\tmux.HandleFunc("GET /orders/{id}/call", a.call)\n'
    assert anchor in text and IMPORTS[0] in text
    text = text.replace(anchor, anchor + BAD_ROUTE).replace(IMPORTS[0], IMPORTS[1], 1)
    handlers.write_text(text + BAD_HANDLER, encoding="utf-8")
    assert_ok(run([str(GO), "build", "-o", "bin/service", "."], dest), "go build")
    return dest / "bin" / "service"


@pytest.fixture
def downstream() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[str]) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("verify did not start: " + proc.communicate()[1])


def _exercise(binary: Path, downstream: str, paths: list[str]) -> list[dict[str, Any]]:
    """Run verify and the service; request `paths`; stop both; return verify's JSON lines."""
    port = _free_port()
    command = [sys.executable, "-m", "scaffold", "verify", "--conventions"]
    command += [str(DEFAULT_CONVENTIONS), "--listen", f"127.0.0.1:{port}", "--json"]
    verify = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    service: subprocess.Popen[str] | None = None
    try:
        _wait_for_port(port, verify)
        env = go_env()
        env.update(
            {
                "LISTEN_ADDR": "127.0.0.1:0",
                "ADMIN_ADDR": "127.0.0.1:0",
                "ACME_TELEMETRY_HASH_KEY": "verify-hash-key",
                "DOWNSTREAM_URL": downstream,
                "DEPLOYMENT_ENVIRONMENT": "development",
                "ACME_TEAM": "payments",
                "SERVICE_VERSION": "1.2.3",
                "HOSTNAME": "host-1",
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            }
        )
        service = subprocess.Popen(
            [str(binary)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert service.stderr is not None
        # The first line that names an address is "listening" (start-up warnings come first).
        addr = ""
        while not addr:
            addr = json.loads(service.stderr.readline()).get("addr", "")
        for path in paths:
            with urllib.request.urlopen(f"http://{addr}{path}", timeout=30) as response:
                assert response.status == 200
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=30) == 0, service.communicate()[1]
        verify.send_signal(signal.SIGTERM)
        out, err = verify.communicate(timeout=60)
    finally:
        for proc in (service, verify):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    assert verify.returncode in (0, 1), err
    return [json.loads(line) for line in out.splitlines()]


def test_correct_requests_give_no_violation(binary: Path, downstream: str) -> None:
    lines = _exercise(binary, downstream, ["/orders/world/call", "/orders/again/call", "/orders/1"])
    summary = lines[-1]
    violations = [x for x in lines if x.get("level") == "violation"]
    assert violations == []
    assert summary["spans"] >= 4 and summary["metric_points"] >= 1
    assert summary["failed"] is False
    assert {"http_server", "http_client"} <= set(summary["coverage"]["naming_rules_seen"])


def test_a_wrong_handler_gives_exactly_the_expected_findings(binary: Path, downstream: str) -> None:
    lines = _exercise(binary, downstream, ["/bad"])
    violations = [x for x in lines if x.get("level") == "violation"]
    assert sorted((v["rule"], v.get("attribute", "")) for v in violations) == [
        ("attribute.unknown", "acme.unregistered"),
        ("privacy.email", ""),
    ]
    assert {v["span_name"] for v in violations} == {"GET /bad"}
    assert all(v["service"] == "payments" and len(v["trace_id"]) == 32 for v in violations)
    assert lines[-1]["failed"] is True
    assert os.path.basename(violations[0]["conventions"]["file"]) == "observability.yaml"

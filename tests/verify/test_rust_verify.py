"""A rendered Rust service exports to `scaffold verify --listen` over OTLP/HTTP
(protobuf): correct requests give no violation; a handler the test makes wrong (an
unregistered attribute, a raw e-mail in a registered one) gives exactly those findings.

The default conventions export over gRPC (the Rust module has both transports and
takes OTEL_EXPORTER_OTLP_PROTOCOL), so the service is rendered from a copy that says
`protocol: http/protobuf` and verified against that same copy."""

from __future__ import annotations

import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEFAULT_CONVENTIONS, ROOT
from tests.rust.rusttools import assert_ok, build_kept, cargo_env, needs_cargo, render_crate

pytestmark = [needs_cargo, pytest.mark.toolchain]

BAD_ROUTE = '        .route("/bad", get(bad))\n'
BAD_HANDLER = """
/// Breaks the conventions on purpose: an attribute outside the registry, and an e-mail
/// address in an attribute that is not classed as personal data.
async fn bad() -> &'static str {
    use opentelemetry::trace::TraceContextExt;
    let cx = opentelemetry::Context::current();
    cx.span().set_attribute(opentelemetry::KeyValue::new("acme.unregistered", "x"));
    cx.span().set_attribute(opentelemetry::KeyValue::new("app.tenant.id", "jane@example.com"));
    "bad\\n"
}
"""


@pytest.fixture(scope="module")
def conventions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = DEFAULT_CONVENTIONS.read_text(encoding="utf-8")
    old = "  protocol: grpc "
    assert old in text
    path = tmp_path_factory.mktemp("rust-verify-conventions") / "observability.yaml"
    path.write_text(text.replace(old, "  protocol: http/protobuf "), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, conventions: Path) -> Path:
    dest = tmp_path_factory.mktemp("rust-verify")
    render_crate(conventions, dest)
    routes = dest / "src" / "routes.rs"
    text = routes.read_text(encoding="utf-8")
    anchor = '        .route("/orders/{id}", get(order))\n'
    assert anchor in text
    routes.write_text(text.replace(anchor, anchor + BAD_ROUTE) + BAD_HANDLER, encoding="utf-8")
    kept = dest / "service"
    assert_ok(build_kept(dest, kept), "cargo build")
    return kept


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
    threading.Thread(target=server.serve_forever, daemon=True).start()
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


def _listening(proc: subprocess.Popen[str]) -> str:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            record = json.loads(lines.get(timeout=0.5))
        except queue.Empty:
            assert proc.poll() is None, "the service exited before listening"
            continue
        if record.get("message") == "listening":
            return str(record["address"])
    raise AssertionError("the service did not say where it listens")


def _exercise(
    built: Path, conventions: Path, downstream: str, paths: list[str]
) -> list[dict[str, Any]]:
    """Run verify and the service; request `paths`; stop both; return verify's JSON lines."""
    port = _free_port()
    command = [sys.executable, "-m", "scaffold", "verify", "--conventions", str(conventions)]
    command += ["--listen", f"127.0.0.1:{port}", "--json"]
    verify = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    service: subprocess.Popen[str] | None = None
    try:
        _wait_for_port(port, verify)
        env = cargo_env()
        env.update(
            {
                "LISTEN_ADDR": "127.0.0.1:0",
                "DOWNSTREAM_URL": downstream,
                "DEPLOYMENT_ENVIRONMENT": "development",
                "ACME_TEAM": "payments",
                "SERVICE_VERSION": "1.2.3",
                "HOSTNAME": "host-1",
                # pii is hashed: without the key it would be dropped, and verify
                # rightly reports the required url.full missing.
                "ACME_TELEMETRY_HASH_KEY": "verify-test-hash-key",
                "RUST_LOG": "info",
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
            }
        )
        service = subprocess.Popen(
            [str(built)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        address = _listening(service)
        for path in paths:
            with urllib.request.urlopen(f"http://{address}{path}", timeout=30) as response:
                assert response.status == 200
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0
        verify.send_signal(signal.SIGTERM)
        out, err = verify.communicate(timeout=60)
    finally:
        for proc in (service, verify):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    assert verify.returncode in (0, 1), err
    return [json.loads(line) for line in out.splitlines()]


def test_correct_requests_give_no_violation(
    built: Path, conventions: Path, downstream: str
) -> None:
    paths = ["/orders/42", "/orders/7/call", "/orders/8/call"]
    lines = _exercise(built, conventions, downstream, paths)
    summary = lines[-1]
    violations = [x for x in lines if x.get("level") == "violation"]
    assert violations == []
    assert summary["spans"] >= 4 and summary["failed"] is False
    assert {"http_server", "http_client"} <= set(summary["coverage"]["naming_rules_seen"])


def test_a_wrong_handler_gives_exactly_the_expected_findings(
    built: Path, conventions: Path, downstream: str
) -> None:
    lines = _exercise(built, conventions, downstream, ["/bad"])
    violations = [x for x in lines if x.get("level") == "violation"]
    assert sorted((v["rule"], v.get("attribute", "")) for v in violations) == [
        ("attribute.unknown", "acme.unregistered"),
        ("privacy.email", ""),
    ]
    assert {v["span_name"] for v in violations} == {"GET /bad"}
    assert all(v["service"] == "svc" and len(v["trace_id"]) == 32 for v in violations)
    assert lines[-1]["failed"] is True

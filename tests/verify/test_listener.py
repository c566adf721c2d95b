"""`scaffold verify --listen`: real OTLP/HTTP posts on loopback (protobuf, gzip, JSON), the
limits, and the command stopping on --count and on SIGTERM with its verdict."""

from __future__ import annotations

import gzip
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.verify import Finding, open_verifier
from scaffold.verify.listener import Listener
from tests.conftest import DEFAULT_CONVENTIONS, ROOT
from tests.verify.payloads import HASHED, attrs, log, logs, metric, metrics, span, to_proto, traces

# Real sockets and timeouts: the full tier only.
pytestmark = pytest.mark.slow

SERVER = {
    "http__request__method": "GET",
    "http__route": "/users/{id}",
    "url__path": "/users/42",
    "url__scheme": "https",
}
GOOD = traces(span(attributes=attrs(**SERVER, app__user__email=HASHED)))
BAD = traces(span(attributes=attrs(**SERVER, app__user__email="jane@example.com", foo="x")))


class Running:
    def __init__(self, max_body: int = 1 << 20, count: int | None = None) -> None:
        self.found: list[Finding] = []
        self.verifier = open_verifier(DEFAULT_CONVENTIONS)
        self.listener = Listener(
            self.verifier, self.found.extend, ("127.0.0.1", 0), max_body=max_body, count=count
        )
        host, port = self.listener.start()
        self.base = f"http://{host}:{port}"

    def post(self, path: str, body: bytes, content_type: str, gzipped: bool = False) -> int:
        headers = {"Content-Type": content_type}
        if gzipped:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code


@pytest.fixture
def running() -> Iterator[Running]:
    r = Running()
    yield r
    r.listener.stop()
    r.listener.close()


def test_protobuf_gzip_post_is_checked(running: Running) -> None:
    assert running.post("/v1/traces", to_proto(BAD), "application/x-protobuf", gzipped=True) == 200
    rules = {f.rule for f in running.found}
    assert {"privacy.raw", "attribute.unknown"} <= rules
    assert all(f.where.input == "POST /v1/traces" for f in running.found)


def test_a_correct_request_gives_no_findings(running: Running) -> None:
    assert running.post("/v1/traces", to_proto(GOOD), "application/x-protobuf") == 200
    assert running.post("/v1/traces", json.dumps(GOOD).encode(), "application/json") == 200
    running.listener.close()
    assert running.found == []
    assert running.verifier.summary.spans == 2


def test_json_logs_and_metrics(running: Running) -> None:
    bad_log = logs(log("paid by jane@example.com"))
    bad_metric = metrics(metric("http.server.request.duration", unit="ms", attributes=[]))
    assert running.post("/v1/logs", json.dumps(bad_log).encode(), "application/json") == 200
    assert running.post("/v1/metrics", to_proto(bad_metric), "application/x-protobuf", True) == 200
    assert {f.rule for f in running.found} == {"privacy.email", "metric.unit"}


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status"),
    [
        ("/v1/nope", b"", "application/x-protobuf", 404),
        ("/v1/traces", b"x", "text/plain", 415),
        ("/v1/traces", b"\xff\xff\xff", "application/x-protobuf", 400),
        ("/v1/traces", b"{", "application/json", 400),
    ],
)
def test_bad_requests_are_refused(
    running: Running, path: str, body: bytes, content_type: str, status: int
) -> None:
    assert running.post(path, body, content_type) == status


def test_body_size_is_bounded() -> None:
    r = Running(max_body=1000)
    try:
        big = to_proto(traces(*[span(span_id=f"{i + 1:016x}") for i in range(50)]))
        assert len(big) > 1000
        assert r.post("/v1/traces", big, "application/x-protobuf") == 413
        bomb = b"\n" * 100_000
        assert r.post("/v1/traces", bomb, "application/x-protobuf", gzipped=True) == 413
    finally:
        r.listener.stop()
        r.listener.close()


def test_count_stops_the_wait() -> None:
    r = Running(count=2)
    try:
        r.post(
            "/v1/traces",
            to_proto(traces(span(), span(span_id="00f067aa0ba902b9"))),
            "application/x-protobuf",
        )
        started = time.monotonic()
        r.listener.wait(duration=10)
        assert time.monotonic() - started < 5
    finally:
        r.listener.close()


def test_non_loopback_bind_is_refused() -> None:
    verifier = open_verifier(DEFAULT_CONVENTIONS)
    with pytest.raises(UsageError, match="--allow-remote"):
        Listener(verifier, lambda found: None, ("0.0.0.0", 0))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "scaffold",
        "verify",
        "--conventions",
        str(DEFAULT_CONVENTIONS),
        "--listen",
        f"127.0.0.1:{port}",
        "--json",
        *extra,
    ]
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the listener did not start: " + proc.communicate()[1])


def _post(base: str, doc: dict[str, object]) -> None:
    body = gzip.compress(to_proto(doc))
    request = urllib.request.Request(
        base + "/v1/traces",
        data=body,
        headers={"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_command_stops_after_count_with_the_verdict(tmp_path: Path) -> None:
    proc, base = _start(tmp_path, "--count", "1")
    _post(base, BAD)
    out, err = proc.communicate(timeout=30)
    objects = [json.loads(line) for line in out.splitlines()]
    assert objects[-1]["type"] == "summary" and objects[-1]["spans"] == 1
    assert "privacy.raw" in {o.get("rule") for o in objects}
    assert proc.returncode == 1, err


def test_command_stops_on_sigterm(tmp_path: Path) -> None:
    proc, base = _start(tmp_path)
    _post(base, GOOD)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    summary = json.loads(out.splitlines()[-1])
    assert summary["spans"] == 1 and summary["failed"] is False
    assert proc.returncode == 0, err


def test_command_stops_after_duration(tmp_path: Path) -> None:
    proc, _ = _start(tmp_path, "--duration", "0.5")
    out, err = proc.communicate(timeout=30)
    summary = json.loads(out.splitlines()[-1])
    assert summary["type"] == "summary" and summary["spans"] == 0
    assert proc.returncode == 0, err


def test_chunked_bodies_are_read(running: Running) -> None:
    body = gzip.compress(to_proto(BAD))
    with socket.create_connection(("127.0.0.1", int(running.base.rsplit(":", 1)[1]))) as conn:
        head = (
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        half = len(body) // 2
        chunks = b"".join(
            f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:])
        )
        conn.sendall(head.encode() + chunks + b"0\r\n\r\n")
        assert conn.recv(100).startswith(b"HTTP/1.1 200")
    assert "privacy.raw" in {f.rule for f in running.found}

"""Real processes for the behaviour table: an OTLP/HTTP receiver, a downstream recorder,
the service under test, and what each of them saw."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)

from scaffold.verify.otlp_proto import batch_of
from scaffold.verify.records import Batch
from tests.behaviour.table import Row

HASH_KEY = "behaviour-hash-key"
ADMIN_TOKEN = "behaviour-admin-token"
MAX_BODY = 32 * 1024 * 1024
# Exports posted under this path prefix are refused (503) FLAKY_REFUSALS times per signal,
# then accepted: a collector that comes back.
FLAKY = "/flaky/"
FLAKY_REFUSALS = 2
# The downstream recorder answers a path under /slow/ this late (a caller gives up
# before) and a path under /redirect/ with a 302 to the path without that prefix.
SLOW_DOWNSTREAM_SECONDS = 1.5


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Seen:
    """What the receiver and the downstream recorder got."""

    exports: list[tuple[str, bytes]] = field(default_factory=list)
    downstream: list[dict[str, Any]] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def batches(self) -> list[Batch]:
        return [batch_of(kind, raw) for kind, raw in self.exports]

    def histogram_bounds(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for kind, raw in self.exports:
            if kind != "metrics":
                continue
            message = ExportMetricsServiceRequest()
            message.ParseFromString(raw)
            for group in message.resource_metrics:
                for scope in group.scope_metrics:
                    for metric in scope.metrics:
                        if metric.WhichOneof("data") == "histogram":
                            for point in metric.histogram.data_points:
                                out[metric.name] = list(point.explicit_bounds)
        return out


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body, whether it came with a length or in chunks."""
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        parts = []
        total = 0
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ValueError("body over the limit")
            parts.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(min(length, MAX_BODY))


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


def _receiver_handler(seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Receiver(_Quiet):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = read_body(self)
            signal_name = self.path.rstrip("/").rsplit("/", 1)[-1]
            if self.path.startswith(FLAKY) and self._refuse(signal_name):
                return
            if signal_name in ("traces", "metrics", "logs"):
                raw = _decode(body, (self.headers.get("Content-Encoding") or "").lower())
                with seen.lock:
                    seen.exports.append((signal_name, raw))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _refuse(self, signal_name: str) -> bool:
            """Answer 503 to the first FLAKY_REFUSALS exports of a signal under FLAKY."""
            with seen.lock:
                count = seen.refused.get(signal_name, 0)
                if count >= FLAKY_REFUSALS:
                    return False
                seen.refused[signal_name] = count + 1
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True

    return Receiver


def _downstream_handler(seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Downstream(_Quiet):
        protocol_version = "HTTP/1.1"

        def _record(self) -> None:
            read_body(self)
            with seen.lock:
                seen.downstream.append(
                    {"method": self.command, "path": self.path, "headers": self.headers.items()}
                )
            if self.path.startswith("/elsewhere/"):
                # Another origin: the same recorder under another host name.
                port = self.server.server_address[1]
                rest = self.path[len("/elsewhere") :].split("?")[0]
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{port}{rest}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path.startswith("/redirect/"):
                self.send_response(302)
                self.send_header("Location", self.path[len("/redirect") :])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path.startswith("/slow/"):
                time.sleep(SLOW_DOWNSTREAM_SECONDS)
            body = b'{"ok":true}'
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the caller has gone (a slow answer it gave up on)

        do_GET = _record
        do_POST = _record

    return Downstream


@contextmanager
def servers() -> Iterator[tuple[Seen, int, int]]:
    """The receiver and the downstream recorder on loopback: (seen, receiver, downstream)."""
    seen = Seen()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _receiver_handler(seen))
    downstream = ThreadingHTTPServer(("127.0.0.1", 0), _downstream_handler(seen))
    for server in (receiver, downstream):
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield seen, receiver.server_address[1], downstream.server_address[1]
    finally:
        for server in (receiver, downstream):
            server.shutdown()
            server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Answer:
    status: int
    body: bytes


def send(port: int, step: dict[str, Any]) -> Answer:
    """One HTTP request with repeatable headers, from the step's source address."""
    source = (step["source"], 0) if step.get("source") else None
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=source)
    try:
        body = step.get("body")
        data = body.encode() if isinstance(body, str) else None
        if isinstance(body, dict) and "repeat" in body:
            data = (str(body["text"]) * int(body["repeat"])).encode()
        headers = step.get("headers", [])
        has_host = any(name.lower() == "host" for name, _ in headers)
        conn.putrequest(
            step.get("method", "GET"), step["path"], skip_host=has_host, skip_accept_encoding=True
        )
        for name, value in headers:
            conn.putheader(name, str(value).replace("{token}", ADMIN_TOKEN))
        if data is not None:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        response = conn.getresponse()
        return Answer(response.status, response.read())
    finally:
        conn.close()


def slow_admin(port: int, closes_within: float) -> float:
    """Seconds until the server closed a connection that sent half a request head."""
    with socket.create_connection(("127.0.0.1", port), timeout=closes_within + 5) as s:
        s.sendall(b"POST /-/telemetry HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        try:
            while s.recv(4096):
                pass
        except (TimeoutError, ConnectionResetError):
            pass
        return time.monotonic() - started


@dataclass
class Flood:
    """What an admin_flood step saw: how many idle connections stayed open."""

    open: int


def admin_flood(port: int, connections: int) -> Flood:
    """Open `connections` idle connections to the admin listener at once, wait a
    second, count those the server still holds open, then close them all and give
    the server a moment to see them go."""
    held: list[socket.socket] = []
    try:
        for _ in range(connections):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(1.0)
        still_open = 0
        for s in held:
            s.settimeout(0.05)
            try:
                if s.recv(1):
                    still_open += 1  # an answer without a request: open, and odd
            except TimeoutError:
                still_open += 1
            except OSError:
                pass
        return Flood(still_open)
    finally:
        for s in held:
            s.close()
        time.sleep(0.5)


def disconnect(port: int, step: dict[str, Any]) -> float:
    """Send a GET, read the answer's head (with `to_end`, everything until the service
    closes the connection: a body that breaks), close the connection and wait `wait`
    seconds (default 0.5) for the service to notice; the seconds the head took. With
    `before_head: SECONDS`, read nothing: close that many seconds after sending (a
    caller that leaves before the answer's head)."""
    lines = [f"GET {step['path']} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in step.get("headers", [])]
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        if "before_head" in step:
            time.sleep(float(step["before_head"]))
            head = b"\r\n\r\n"
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
        took = time.monotonic() - started
        while step.get("to_end") and s.recv(4096):
            pass
    time.sleep(float(step.get("wait", 0.5)))
    return took


def wait_for_port(port: int, proc: subprocess.Popen[bytes], limit: float = 30) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@dataclass
class Run:
    """One row against one service: what everybody saw."""

    seen: Seen
    output: str
    exit_code: int | None
    answers: list[tuple[dict[str, Any], Answer | float | Flood]]
    base_env: dict[str, str]


def environment(row: Row, ports: dict[str, int]) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LISTEN_ADDR": f"127.0.0.1:{ports['listen']}",
        "ADMIN_ADDR": f"127.0.0.1:{ports['admin']}",
        "DOWNSTREAM_URL": f"http://127.0.0.1:{ports['downstream']}",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{ports['receiver']}",
        "DEPLOYMENT_ENVIRONMENT": "production",
        "ACME_TEAM": "payments",
        "SERVICE_VERSION": "1.2.3",
        "ACME_TELEMETRY_HASH_KEY": HASH_KEY,
        "ACME_TELEMETRY_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    env.update(row.env)
    for name in row.unset:
        env.pop(name, None)
    return {k: _fill(v, ports) for k, v in env.items()}


_BYTE = re.compile(r"\{byte:([89a-f][0-9a-f])\}")


def _fill(value: str, ports: dict[str, int]) -> str:
    """A row's env value with its placeholders filled. `{byte:HH}` (HH from 80 to ff) is
    that byte, raw, in the process's variable (no UTF-8): the surrogate-escaped character
    put here for it is what subprocess encodes (os.fsencode) back to the byte."""
    value = value.replace("{receiver}", str(ports["receiver"]))
    value = value.replace("{closed}", str(ports["closed"]))
    return _BYTE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), value)


def wait_output(log: Path, pattern: str, within: float) -> float:
    """Seconds until the process output matched pattern; -1.0 when it did not within."""
    started = time.monotonic()
    regex = re.compile(pattern)
    while True:
        elapsed = time.monotonic() - started
        if regex.search(log.read_text(errors="replace")):
            return elapsed
        if elapsed > within:
            return -1.0
        time.sleep(0.05)


def _steps(
    row: Row, ports: dict[str, int], log: Path
) -> list[tuple[dict[str, Any], Answer | float | Flood]]:
    answers: list[tuple[dict[str, Any], Answer | float | Flood]] = []
    for step in row.steps:
        kind, body = next(iter(step.items()))
        if kind == "wait_output":
            answers.append((step, wait_output(log, str(body["matches"]), float(body["within"]))))
            continue
        if kind == "slow_admin":
            answers.append((step, slow_admin(ports["admin"], float(body["closes_within"]))))
            continue
        if kind == "admin_flood":
            answers.append((step, admin_flood(ports["admin"], int(body["connections"]))))
            continue
        if kind == "disconnect":
            answers.append((step, disconnect(ports["listen"], body)))
            continue
        port = ports["admin"] if kind == "admin" else ports["listen"]
        for _ in range(int(body.get("repeat", 1))):
            answers.append((step, send(port, body)))
    return answers


# A port free_port found can be taken by another process before the service binds it;
# such a run is made again on new ports (no row asks for a port in use).
_BIND_RACE = "address already in use"


def run_row(binary: Path, row: Row, workdir: Path) -> Run:
    for _ in range(2):
        run = _run_once(binary, row, workdir)
        if run.exit_code in (None, 0) or _BIND_RACE not in run.output.lower():
            return run
    return _run_once(binary, row, workdir)


def _run_once(binary: Path, row: Row, workdir: Path) -> Run:
    with servers() as (seen, receiver, downstream):
        ports = {
            "listen": free_port(),
            "admin": free_port(),
            "receiver": receiver,
            "downstream": downstream,
            "closed": free_port(),
        }
        env = environment(row, ports)
        for name, text in row.files.items():
            (workdir / name).write_text(text, encoding="utf-8")
        log = workdir / f"{row.id}.out"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(binary)], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=workdir
            )
            try:
                answers, code = _drive(row, proc, ports, log)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        # Exports sent during shutdown have been answered before the process exited.
        return Run(seen, log.read_text(errors="replace"), code, answers, env)


def _drive(
    row: Row, proc: subprocess.Popen[bytes], ports: dict[str, int], log: Path
) -> tuple[list[tuple[dict[str, Any], Answer | float | Flood]], int | None]:
    if not row.starts:
        try:
            return [], proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            return [], None
    if not wait_for_port(ports["listen"], proc):
        return [], proc.poll()
    needs_admin = any(
        "admin" in step or "slow_admin" in step or "admin_flood" in step for step in row.steps
    )
    if needs_admin and not wait_for_port(ports["admin"], proc, limit=10):
        return [], proc.poll()
    answers = _steps(row, ports, log)
    proc.send_signal(signal.SIGTERM)
    try:
        code: int | None = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = None
    return answers, code


def json_of(answer: Answer) -> Any:
    return json.loads(answer.body.decode("utf-8"))

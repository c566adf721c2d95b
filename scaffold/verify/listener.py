"""An OTLP/HTTP receiver that verifies telemetry as it arrives.

POST /v1/traces, /v1/metrics and /v1/logs, protobuf or JSON, optionally gzip-compressed,
each body at most `max_body` bytes (compressed and uncompressed). Binds to loopback unless
told otherwise. Findings go to a callback the caller gives; nothing here prints.
"""

from __future__ import annotations

import io
import ipaddress
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scaffold.errors import InputError, UsageError
from scaffold.verify import otlp_json, otlp_proto
from scaffold.verify.engine import Verifier
from scaffold.verify.findings import Finding
from scaffold.verify.records import Batch

DEFAULT_MAX_BODY = 16 * 1024 * 1024
PATHS = {"/v1/traces": "traces", "/v1/metrics": "metrics", "/v1/logs": "logs"}
OnFindings = Callable[[list[Finding]], None]


def parse_address(text: str) -> tuple[str, int]:
    """host:port (IPv6 in brackets) into its parts."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--listen {text!r}: give HOST:PORT, such as 127.0.0.1:4318")
    return host.strip("[]") or "127.0.0.1", int(port)


def is_loopback(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise UsageError(f"--listen: cannot resolve {host!r} ({exc.strerror})") from exc
    return all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


class _Reply(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Only I/O errors get here (a client gone mid-reply): the request handler turns
        every other failure into a 500. Nothing to report, and the library never prints."""


class Listener:
    def __init__(
        self,
        verifier: Verifier,
        on_findings: OnFindings,
        address: tuple[str, int],
        *,
        allow_remote: bool = False,
        max_body: int = DEFAULT_MAX_BODY,
        count: int | None = None,
    ) -> None:
        if not allow_remote and not is_loopback(address[0]):
            raise UsageError(
                f"--listen {address[0]}: not a loopback address; telemetry can carry personal "
                "data, so verify listens on 127.0.0.1 unless you add --allow-remote"
            )
        self.verifier = verifier
        self.on_findings = on_findings
        self.address = address
        self.max_body = max_body
        self.count = count
        self.items = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.server: _Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> tuple[str, int]:
        """Bind and serve in a background thread; returns the bound host and port."""
        handler = _handler_for(self)
        try:
            server = _Server(self.address, handler)
        except OSError as exc:
            host, port = self.address
            raise UsageError(f"--listen {host}:{port}: cannot bind ({exc.strerror})") from exc
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
        self.thread.start()
        bound = server.server_address
        return str(bound[0]), int(bound[1])

    def stop(self) -> None:
        """Ask `wait` to return (safe from a signal handler)."""
        self.stopped.set()

    def wait(self, duration: float | None = None) -> None:
        """Block until stop(), `duration` seconds, or `count` items; judges idle traces."""
        deadline = None if duration is None else time.monotonic() + duration
        while not self.stopped.wait(0.2):
            with self.lock:
                self._report(self.verifier.expire())
            if deadline is not None and time.monotonic() >= deadline:
                return

    def close(self) -> None:
        """Stop serving, judge what is left, and report it."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        with self.lock:
            self._report(self.verifier.finish())

    def _report(self, found: list[Finding]) -> None:
        if found:
            self.on_findings(found)

    def accept(self, path: str, content_type: str, encoding: str, body: bytes) -> bytes:
        """Check one export request; returns the response body (an empty export response)."""
        signal = PATHS.get(path.split("?", 1)[0])
        if signal is None:
            raise _Reply(404, f"unknown path {path}; use {', '.join(PATHS)}")
        if encoding == "gzip":
            body = self._gunzip(body)
        elif encoding not in ("", "identity"):
            raise _Reply(415, f"unsupported Content-Encoding {encoding}")
        batch = _decode(signal, content_type, body)
        with self.lock:
            self._report(self.verifier.check(batch, f"POST {path}"))
            self.items += batch.items
            if self.count is not None and self.items >= self.count:
                self.stopped.set()
        return b"{}" if content_type == "application/json" else b""

    def _gunzip(self, body: bytes) -> bytes:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out = inflater.decompress(body, self.max_body + 1)
        except zlib.error as exc:
            raise _Reply(400, f"not gzip: {exc}") from exc
        if len(out) > self.max_body:
            raise _Reply(413, f"uncompressed body over {self.max_body} bytes")
        return out


def _decode(signal: str, content_type: str, body: bytes) -> Batch:
    try:
        if content_type == "application/json":
            try:
                document = json.loads(body)
            except ValueError as exc:
                raise InputError(f"not valid JSON: {exc}") from exc
            return otlp_json.batch_of(document)
        if content_type in ("application/x-protobuf", "application/protobuf"):
            return otlp_proto.batch_of(signal, body)
    except InputError as exc:
        raise _Reply(400, str(exc)) from exc
    raise _Reply(415, "use Content-Type application/x-protobuf or application/json")


def read_chunked(stream: io.BufferedIOBase, max_body: int) -> bytes:
    """A chunked request body (Go's OTLP exporter sends one), read up to `max_body` bytes."""
    parts: list[bytes] = []
    total = 0
    while True:
        head = stream.readline(1024).split(b";", 1)[0].strip()
        try:
            size = int(head, 16)
        except ValueError:
            raise _Reply(400, "malformed chunked body") from None
        if size == 0:
            while stream.readline(1024).strip():
                pass
            return b"".join(parts)
        total += size
        if total > max_body:
            raise _Reply(413, f"body over {max_body} bytes")
        parts.append(stream.read(size))
        stream.readline(8)


def _handler_for(listener: Listener) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            try:
                body = self._body()
                content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
                encoding = self.headers.get("Content-Encoding", "").strip().lower()
                reply = listener.accept(self.path, content_type, encoding, body)
            except _Reply as exc:
                self._send(exc.status, str(exc).encode(), "text/plain; charset=utf-8")
                return
            except Exception as exc:  # a receiver answers every request, even on a bug
                self.close_connection = True
                self._send(500, f"verify failed: {exc!r}".encode(), "text/plain; charset=utf-8")
                return
            self._send(200, reply, content_type or "application/x-protobuf")

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").strip().lower() == "chunked":
                return self._chunked()
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self.close_connection = True
                raise _Reply(411, "a Content-Length or chunked transfer encoding is required")
            if int(length) > listener.max_body:
                self.close_connection = True
                raise _Reply(413, f"body over {listener.max_body} bytes")
            return self.rfile.read(int(length))

        def _chunked(self) -> bytes:
            try:
                return read_chunked(self.rfile, listener.max_body)
            except _Reply:
                self.close_connection = True
                raise

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Requests are not logged; findings are the output."""

    return Handler

"""An OTLP/HTTP receiver that verifies telemetry as it arrives.

POST /v1/traces, /v1/metrics and /v1/logs, protobuf or JSON, optionally gzip-compressed,
each body at most `max_body` bytes (compressed and uncompressed). Binds to loopback unless
told otherwise. Findings go to a callback the caller gives; nothing here prints.

As the OTLP/HTTP specification asks: 200 with an empty Export*ServiceResponse in the
request's encoding (an empty request included), 400 for data that cannot be decoded, 413
over the size limit, 415 for another media type, and every 4xx a google.rpc.Status message
(protobuf, or JSON for a JSON request). Other methods get 405. Each request must arrive
within `request_timeout` seconds (a trickled request is cut off) and at most
`max_connections` are served at once (more get 503), so slow clients cannot pin the
receiver and at most that many bodies are held while one at a time is decoded.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import json
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scaffold.errors import InputError, UsageError
from scaffold.verify import otlp_json, otlp_proto
from scaffold.verify.engine import Verifier
from scaffold.verify.findings import Finding
from scaffold.verify.records import Batch

# The OTLP/HTTP specification recommends a 20 MiB limit, after decompression too.
DEFAULT_MAX_BODY = 20 * 1024 * 1024
DEFAULT_REQUEST_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 32
_PROTO = "application/x-protobuf"
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
IDLE_TIMEOUT = 10.0
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)
PATHS = {"/v1/traces": "traces", "/v1/metrics": "metrics", "/v1/logs": "logs"}
OnFindings = Callable[[list[Finding]], None]


def parse_address(text: str) -> tuple[str, int]:
    """host:port (IPv6 in brackets) into its parts."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--listen {text!r}: give HOST:PORT, such as 127.0.0.1:4318")
    return host.strip("[]") or "127.0.0.1", int(port)


def _addresses(host: str) -> list[tuple[int, str]]:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"--listen: cannot resolve {host!r} ({exc.strerror})") from exc
    return [(int(info[0]), str(info[4][0])) for info in infos]


def _all_loopback(found: list[tuple[int, str]]) -> bool:
    return all(ipaddress.ip_address(ip.split("%")[0]).is_loopback for _, ip in found)


def is_loopback(host: str) -> bool:
    return _all_loopback(_addresses(host))


class _Reply(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


def status_message(message: str, as_json: bool) -> bytes:
    """A google.rpc.Status carrying only `message` (field 2): the OTLP/HTTP error body."""
    if as_json:
        return json.dumps({"message": message}).encode()
    data = message.encode()
    size, prefix = len(data), bytearray()
    while True:
        byte, size = size & 0x7F, size >> 7
        prefix.append(byte | (0x80 if size else 0))
        if not size:
            break
    return b"\x12" + bytes(prefix) + data


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    slots: threading.BoundedSemaphore

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: object, client_address: object) -> None:
        """Only I/O errors get here (a client gone mid-reply): the request handler turns
        every other failure into a 500. Nothing to report, and the library never prints."""


class _Server6(_Server):
    address_family = socket.AF_INET6


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
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        # The name is resolved once, here: the address checked is the address bound
        # (IPv4 first, as `localhost` has both).
        found = _addresses(address[0])
        self.target = min(found, key=lambda f: f[0] != socket.AF_INET)
        if not allow_remote and not _all_loopback(found):
            raise UsageError(
                f"--listen {address[0]}: not a loopback address; telemetry can carry personal "
                "data, so verify listens on 127.0.0.1 unless you add --allow-remote"
            )
        self.verifier = verifier
        self.on_findings = on_findings
        self.address = address
        self.max_body = max_body
        self.count = count
        self.request_timeout = request_timeout
        self.max_connections = max_connections
        self.items = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.server: _Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> tuple[str, int]:
        """Bind and serve in a background thread; returns the bound host and port."""
        handler = _handler_for(self)
        family, ip = self.target
        server_class = _Server6 if family == socket.AF_INET6 else _Server
        server = server_class((ip, self.address[1]), handler, bind_and_activate=False)
        server.slots = threading.BoundedSemaphore(self.max_connections)
        try:
            server.server_bind()
            server.server_activate()
        except OSError as exc:
            server.server_close()
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
        if encoding not in ("", "identity", "gzip"):
            raise _Reply(415, f"unsupported Content-Encoding {encoding}")
        # One request is inflated, decoded and checked at a time (the checks share state,
        # and the interpreter runs one thread at a time anyway): a request's decoded form
        # is several times its size, and only one is ever held.
        with self.lock:
            if encoding == "gzip":
                body = self._gunzip(body)
            batch = decode(signal, content_type, body)
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
        if not inflater.eof:
            raise _Reply(400, "the gzip stream ends before its end marker (a truncated body)")
        return out


def decode(signal: str, content_type: str, body: bytes) -> Batch:
    """One export request of `signal` in the encoding `content_type` names."""
    try:
        if content_type == "application/json":
            return otlp_json.batch_of(otlp_json.loads(body), signal)
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
        if not _CHUNK_SIZE.fullmatch(head):
            raise _Reply(400, "malformed chunked body")
        size = int(head, 16)
        if size == 0:
            while stream.readline(1024).strip():
                pass
            return b"".join(parts)
        total += size
        if total > max_body:
            raise _Reply(413, f"body over {max_body} bytes")
        part = stream.read(size)
        if len(part) < size or stream.readline(8).strip():
            raise _Reply(400, "malformed chunked body")
        parts.append(part)


class _Handler(BaseHTTPRequestHandler):
    """One connection's requests; `listener` is set by `_handler_for`."""

    listener: Listener
    protocol_version = "HTTP/1.1"
    # Each socket read waits at most this long; the whole request, `request_timeout`.
    timeout = IDLE_TIMEOUT

    def handle_one_request(self) -> None:
        """One request, cut off (the socket shut) if it takes over `request_timeout`."""
        timer = threading.Timer(self.listener.request_timeout, self._cut_off)
        timer.daemon = True
        timer.start()
        try:
            super().handle_one_request()
        except OSError:
            self.close_connection = True
        finally:
            timer.cancel()

    def _cut_off(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.command != "POST":
            self.close_connection = True
            self._send(405, status_message("OTLP/HTTP takes POST only", False), _PROTO, True)
            return False
        return True

    def do_POST(self) -> None:
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        as_json = content_type == "application/json"
        try:
            body = self._body()
            encoding = self.headers.get("Content-Encoding", "").strip().lower()
            reply = self.listener.accept(self.path, content_type, encoding, body)
        except _Reply as exc:
            self._fail(exc.status, str(exc), as_json)
            return
        except Exception as exc:  # a receiver answers every request, even on a bug
            self.close_connection = True
            self._fail(500, f"verify failed: {exc!r}", as_json)
            return
        self._send(200, reply, content_type or _PROTO)

    def _fail(self, status: int, message: str, as_json: bool) -> None:
        body = status_message(message, as_json)
        self._send(status, body, "application/json" if as_json else _PROTO)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").strip().lower() == "chunked":
            return self._chunked()
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            raise _Reply(411, "a Content-Length or chunked transfer encoding is required")
        if int(length) > self.listener.max_body:
            self.close_connection = True
            raise _Reply(413, f"body over {self.listener.max_body} bytes")
        body = self.rfile.read(int(length))
        if len(body) < int(length):
            self.close_connection = True
            raise _Reply(400, f"the body ends after {len(body)} of {length} bytes")
        return body

    def _chunked(self) -> bytes:
        try:
            return read_chunked(self.rfile, self.listener.max_body)
        except _Reply:
            self.close_connection = True
            raise

    def _send(self, status: int, body: bytes, content_type: str, allow: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if allow:
            self.send_header("Allow", "POST")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged; findings are the output."""


def _handler_for(listener: Listener) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"listener": listener})

"""Hostile requests to `verify --listen`: each gets a 4xx with an OTLP Status body, slow or
stalled clients are cut off, and the receiver keeps serving everyone else."""

from __future__ import annotations

import gzip
import json
import socket
import time
from collections.abc import Iterator

import pytest

from scaffold.errors import UsageError
from scaffold.verify import Finding, open_verifier
from scaffold.verify.listener import Listener, status_message
from tests.conftest import DEFAULT_CONVENTIONS
from tests.verify.payloads import span, to_proto, traces

# Real sockets and timeouts: the full tier only.
pytestmark = pytest.mark.slow

GOOD = to_proto(traces(span()))


class Server:
    def __init__(self, **options: float) -> None:
        self.found: list[Finding] = []
        verifier = open_verifier(DEFAULT_CONVENTIONS)
        self.listener = Listener(
            verifier,
            self.found.extend,
            ("127.0.0.1", 0),
            request_timeout=options.get("request_timeout", 30.0),
            max_connections=int(options.get("max_connections", 64)),
        )
        self.address = self.listener.start()

    def connect(self) -> socket.socket:
        conn = socket.create_connection(self.address, timeout=10)
        return conn

    def exchange(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        with self.connect() as conn:
            conn.sendall(request)
            return _response(conn)

    def post(
        self, body: bytes, content_type: str = "application/x-protobuf", extra: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        head = (
            f"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n{extra}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return self.exchange(head.encode() + body)

    def close(self) -> None:
        self.listener.stop()
        self.listener.close()


def _response(conn: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed without a response: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), headers, rest


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "OPTIONS", "HEAD"])
def test_other_methods_get_405_with_allow(server: Server, method: str) -> None:
    status, headers, _ = server.exchange(
        f"{method} /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )
    assert status == 405 and headers["allow"] == "POST"


def test_deeply_nested_json_is_400_not_500(server: Server) -> None:
    status, headers, body = server.post(b"[" * 100_000 + b"]" * 100_000, "application/json")
    assert status == 400 and headers["content-type"] == "application/json"
    assert "nested too deeply" in json.loads(body)["message"]


def test_invalid_utf8_json_is_400(server: Server) -> None:
    status, _, body = server.post(b'{"resourceSpans": [{"x": "\xff"}]}', "application/json")
    assert status == 400 and "not UTF-8" in json.loads(body)["message"]


def test_errors_are_status_messages_in_the_request_encoding(server: Server) -> None:
    status, headers, body = server.post(b"\xff\xff\xff")
    assert status == 400 and headers["content-type"] == "application/x-protobuf"
    assert _status_text(body).startswith("not an OTLP traces protobuf message")
    status, headers, body = server.post(b"x", "text/plain")
    assert status == 415 and "application/x-protobuf" in _status_text(body)


def _status_text(body: bytes) -> str:
    """Field 2 (message) of a google.rpc.Status, the only field the listener sets."""
    assert body[:1] == b"\x12", body[:20]
    size, shift, at = 0, 0, 1
    while True:
        byte = body[at]
        size |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            break
    assert len(body) == at + size
    return body[at:].decode()


def test_status_message_is_a_protobuf_status() -> None:
    long = "m" * 300
    encoded = status_message(long, False)
    assert encoded[:3] == b"\x12\xac\x02" and encoded[3:] == long.encode()
    assert json.loads(status_message("bad", True)) == {"message": "bad"}


def test_an_empty_json_request_is_a_success(server: Server) -> None:
    status, headers, body = server.post(b"{}", "application/json")
    assert (status, headers["content-type"], body) == (200, "application/json", b"{}")


def test_a_gzip_body_cut_before_its_trailer_is_400(server: Server) -> None:
    cut = gzip.compress(GOOD)[:-8]
    status, _, body = server.post(cut, extra="Content-Encoding: gzip\r\n")
    assert status == 400 and b"truncated" in body
    assert server.post(gzip.compress(GOOD), extra="Content-Encoding: gzip\r\n")[0] == 200


def test_a_body_shorter_than_its_content_length_is_400(server: Server) -> None:
    with server.connect() as conn:
        conn.sendall(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            b"Content-Length: 1000\r\n\r\n" + GOOD[:10]
        )
        conn.shutdown(socket.SHUT_WR)
        status, _, body = _response(conn)
    assert status == 400 and b"ends after 10 of 1000 bytes" in body


def test_a_trickled_request_is_cut_off_and_others_are_served() -> None:
    s = Server(request_timeout=1.0)
    try:
        slow_head, slow_body = s.connect(), s.connect()
        slow_head.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\n")
        slow_body.sendall(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            b"Content-Length: 1000\r\n\r\nab"
        )
        assert s.post(GOOD)[0] == 200
        started = time.monotonic()
        for conn in (slow_head, slow_body):
            with conn:
                while time.monotonic() - started < 8:
                    conn.sendall(b"x")  # a byte at a time, each well within the idle timeout
                    time.sleep(0.2)
                    try:
                        conn.setblocking(False)
                        if conn.recv(1024) == b"":
                            break
                    except BlockingIOError:
                        pass
                    except OSError:
                        break
                    finally:
                        conn.setblocking(True)
        assert time.monotonic() - started < 5
    finally:
        s.close()


def test_connections_over_the_limit_get_503_and_the_rest_are_served() -> None:
    s = Server(max_connections=2, request_timeout=2.0)
    try:
        idle = [s.connect(), s.connect()]
        time.sleep(0.2)
        status, headers, _ = s.post(GOOD)
        assert status == 503 and headers["retry-after"] == "1"
        for conn in idle:
            conn.close()
        time.sleep(0.3)
        assert s.post(GOOD)[0] == 200
    finally:
        s.close()


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_ipv6_loopback_is_served_and_the_unspecified_address_refused() -> None:
    verifier = open_verifier(DEFAULT_CONVENTIONS)
    with pytest.raises(UsageError, match="--allow-remote"):
        Listener(verifier, lambda found: None, ("::", 0))
    listener = Listener(verifier, lambda found: None, ("::1", 0))
    host, port = listener.start()
    try:
        assert host == "::1"
        with socket.create_connection((host, port), timeout=10) as conn:
            conn.sendall(
                b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                + f"Content-Length: {len(GOOD)}\r\n\r\n".encode()
                + GOOD
            )
            assert _response(conn)[0] == 200
    finally:
        listener.stop()
        listener.close()


def test_a_name_is_bound_at_the_address_that_was_checked() -> None:
    listener = Listener(open_verifier(DEFAULT_CONVENTIONS), lambda found: None, ("localhost", 0))
    host, _ = listener.start()
    try:
        assert host in ("127.0.0.1", "::1")
    finally:
        listener.stop()
        listener.close()


@pytest.mark.parametrize("size", [b"-1", b"+5", b"0x10", b"1" * 40, b""])
def test_a_chunk_size_that_is_not_hex_digits_is_400(server: Server, size: bytes) -> None:
    with server.connect() as conn:
        conn.sendall(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + size + b"\r\n" + GOOD[:5]
        )
        status, _, body = _response(conn)
    assert status == 400 and b"malformed chunked body" in body


def test_one_request_at_a_time_is_inflated_and_decoded(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold.verify import listener as module

    held: list[bool] = []
    real_decode, real_gunzip = module.decode, Listener._gunzip

    def decode(signal: str, content_type: str, body: bytes) -> object:
        held.append(server.listener.lock.locked())
        return real_decode(signal, content_type, body)

    def gunzip(self: Listener, body: bytes) -> bytes:
        held.append(self.lock.locked())
        return real_gunzip(self, body)

    monkeypatch.setattr(module, "decode", decode)
    monkeypatch.setattr(Listener, "_gunzip", gunzip)
    assert server.post(gzip.compress(GOOD), extra="Content-Encoding: gzip\r\n")[0] == 200
    assert held == [True, True]


def _nested_any_value(levels: int) -> bytes:
    """A traces request whose one resource attribute nests `levels` kvlists."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue

    value = AnyValue(string_value="x")
    for _ in range(levels):
        outer = AnyValue()
        pair = outer.kvlist_value.values.add()
        pair.key = "k"
        pair.value.CopyFrom(value)
        value = outer
    request = ExportTraceServiceRequest()
    kv = request.resource_spans.add().resource.attributes.add()
    kv.key = "app.deep"
    kv.value.CopyFrom(value)
    return bytes(request.SerializeToString())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", b"not an OTLP traces protobuf"),
        (b"\x0a" + b"\xff" * 11, b"not an OTLP traces protobuf"),
        (b"\x0a\x80\x80\x80\x80\x08" + b"\x00" * 8, b"not an OTLP traces protobuf"),
        # The protobuf runtime's own depth limit (100 messages) refuses it first.
        (_nested_any_value(80), b"not an OTLP traces protobuf"),
    ],
)
def test_absurd_protobuf_is_400(server: Server, body: bytes, message: bytes) -> None:
    status, _, reply = server.post(body)
    assert status == 400 and message in reply
    assert server.post(GOOD)[0] == 200


def test_the_name_is_resolved_once_so_a_changed_answer_is_not_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scaffold.verify import listener as module

    answers = [[(socket.AF_INET, "127.0.0.1")], [(socket.AF_INET, "0.0.0.0")]]
    monkeypatch.setattr(module, "_addresses", lambda host: answers.pop(0))
    listener = Listener(open_verifier(DEFAULT_CONVENTIONS), lambda found: None, ("rebind", 0))
    host, _ = listener.start()
    try:
        assert host == "127.0.0.1" and len(answers) == 1
    finally:
        listener.stop()
        listener.close()

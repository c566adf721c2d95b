"""The docs server: loopback only, static files with a strict content policy, clear errors."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scaffold.docs.build import build_docs
from scaffold.docs.serve import HOST, DocsServer, make_server
from scaffold.errors import UsageError
from tests.conftest import DEFAULT_CONVENTIONS


def test_serves_the_site_on_loopback_with_a_content_policy(tmp_path: Path) -> None:
    site = build_docs(conventions=DEFAULT_CONVENTIONS, out=tmp_path).site_dir
    server = make_server(site, port=0)
    server.start_in_thread()
    try:
        assert server.server_address[0] == HOST == "127.0.0.1"
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url, timeout=10) as response:
            body = response.read().decode("utf-8")
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "<title>Overview · Acme observability conventions</title>" in body
        with urllib.request.urlopen(server.url + "assets/site.js", timeout=10) as response:
            assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
        with pytest.raises(urllib.error.HTTPError) as listing:
            urllib.request.urlopen(server.url + "assets/", timeout=10)
        assert listing.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_a_folder_without_a_site_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="run `scaffold docs build` first"):
        make_server(tmp_path)


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    site = build_docs(conventions=DEFAULT_CONVENTIONS, out=tmp_path).site_dir
    first = make_server(site, port=0)
    try:
        port = first.server_address[1]
        with pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{port}"):
            make_server(site, port=port)
    finally:
        first.server_close()


def _raw(server: DocsServer, request: bytes) -> bytes:
    with socket.create_connection(server.server_address[:2], timeout=10) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_hostile_paths_get_a_404_and_no_traceback(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    site = build_docs(conventions=DEFAULT_CONVENTIONS, out=tmp_path / "out").site_dir
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the site\n", encoding="utf-8")
    (site / "linked.txt").symlink_to(secret)
    (site / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    server = make_server(site, port=0)
    server.start_in_thread()
    try:
        for path in (
            b"/%00",
            b"/index.html%00.js",
            b"/%ff%fe",
            b"/../secret.txt",
            b"/assets/..%2f..%2fsecret.txt",
            b"/linked.txt",
            b"/linked-dir/secret.txt",
            b"/assets",
            b"/%5c..%5csecret.txt",
        ):
            answer = _raw(server, b"GET " + path + b" HTTP/1.0\r\n\r\n")
            assert answer.startswith(b"HTTP/1.0 404"), (path, answer[:80])
            assert b"outside the site" not in answer
        garbage = _raw(server, b"\x00\xff GARBAGE\r\n\r\n")
        assert b"outside the site" not in garbage
        assert _raw(server, b"GET / HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 200")
    finally:
        server.shutdown()
        server.server_close()
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out

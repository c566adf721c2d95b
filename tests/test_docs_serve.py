"""The docs server: loopback only, static files with a strict content policy, clear errors."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scaffold.docs.build import build_docs
from scaffold.docs.serve import HOST, make_server
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

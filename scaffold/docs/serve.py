"""`scaffold docs serve`: the built site over HTTP on the loopback interface only.

Only GET and HEAD of regular files inside the site folder are answered; a path with a
NUL, a `..`, a backslash or a symbolic link anywhere in it is a 404, and a request the
server cannot parse never prints a traceback.
"""

from __future__ import annotations

import functools
import os
import stat
import threading
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError

HOST = "127.0.0.1"
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'"
)


class _Handler(SimpleHTTPRequestHandler):
    """Static files of one folder, no directory listings, no logging to the terminal."""

    extensions_map = {  # noqa: RUF012 - the base class declares it this way
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".html": "text/html; charset=utf-8",
    }

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def list_directory(self, path: Any) -> None:
        self.send_error(404, "Not found")
        return None

    def translate_path(self, path: str) -> str:
        """The file to serve, or a path that does not exist (served as a 404)."""
        found = site_file(Path(self.directory), path)
        return str(found) if found is not None else str(Path(self.directory) / "\x00missing")

    def send_head(self) -> Any:
        if site_file(Path(self.directory), self.path) is None:
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        return


def site_file(site: Path, url_path: str) -> Path | None:
    """The regular file `url_path` names inside `site`, never through a symbolic link."""
    try:
        text = urllib.parse.unquote(urllib.parse.urlsplit(url_path).path, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    if "\x00" in text or "\\" in text or not text.startswith("/"):
        return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    if text.endswith("/"):
        parts.append("index.html")
    current = site
    mode = os.lstat(site).st_mode
    for part in parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except (OSError, ValueError):
            return None
        if stat.S_ISLNK(mode):
            return None
    return current if stat.S_ISREG(mode) else None


class DocsServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A broken request ends that connection; nothing is printed."""
        return

    @property
    def url(self) -> str:
        host, port = self.server_address[0], self.server_address[1]
        return f"http://{host!s}:{port}/"

    def start_in_thread(self) -> threading.Thread:
        """Serve from a daemon thread (for tests and embedding); stop with `shutdown()`."""
        thread = threading.Thread(target=self.serve_forever, name="scaffold-docs", daemon=True)
        thread.start()
        return thread


def make_server(site: Path, *, port: int = 0) -> DocsServer:
    """A server for the site folder on 127.0.0.1:`port` (0 picks a free port)."""
    if not (site / "index.html").is_file():
        raise UsageError(f"{site} holds no index.html; run `scaffold docs build` first")
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not between 0 and 65535; 0 picks a free port")
    handler = functools.partial(_Handler, directory=str(site))
    try:
        return DocsServer((HOST, port), handler)
    except OSError as exc:
        raise UsageError(
            f"--port {port}: cannot listen on {HOST}:{port}: {exc.strerror}; choose another "
            "--port, or --port 0 for a free one"
        ) from exc

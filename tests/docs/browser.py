"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, and the docs
server started as its own process with `scaffold docs serve --port 0`."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("SCAFFOLD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
START_TIMEOUT = 60.0


def chromium_path() -> str:
    found = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).is_file() else "")
    if not found:
        raise RuntimeError(
            f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package "
            "(apt-get install -y chromium) or set SCAFFOLD_CHROMIUM"
        )
    return found


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)


@contextmanager
def serve_docs(conventions: Path, cwd: Path, scan: Path | None = None) -> Iterator[Served]:
    """Run `scaffold docs serve --port 0` and yield its address; stop it by its pid."""
    command = [
        sys.executable,
        "-m",
        "scaffold",
        "docs",
        "serve",
        "--port",
        "0",
        *(["--scan", str(scan)] if scan else ["--no-scan"]),
        "--conventions",
        str(conventions),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    served = Served(url="", process=process)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while not served.url:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or process.poll() is not None:
                raise RuntimeError("docs server did not start:\n" + "".join(served.output))
            try:
                line = lines.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            served.output.append(line)
            if "serving the docs at " in line:
                served.url = line.split("serving the docs at ", 1)[1].split()[0]
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

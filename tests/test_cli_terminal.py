"""On a real terminal, `scaffold init` asks with questionary and writes what was answered."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scaffold.conventions import load


def _read_until(fd: int, needle: bytes, seen: bytearray, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        assert (
            left > 0
        ), f"timed out waiting for {needle!r}; screen so far:\n{seen.decode(errors='replace')}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen.extend(chunk)


@pytest.mark.slow
def test_init_prompts_on_a_terminal(tmp_path: Path) -> None:
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(TERM="xterm", COLUMNS="100", LINES="40")
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaffold", "init", "--dir", str(tmp_path)],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        close_fds=True,
    )
    os.close(secondary)
    seen = bytearray()
    try:
        for prompt, answer in (
            (b"Organisation name?", b"\x15Initech\r"),  # Ctrl-U clears the default first
            (b"Environments", b"\x15dev,prod\r"),
            (b"OTLP protocol?", b"\x1b[B\r"),  # arrow down: http/protobuf
            (b"Collector endpoint?", b"\x15http://collector:4318\r"),
        ):
            _read_until(primary, prompt, seen)
            time.sleep(0.2)
            os.write(primary, answer)
        _read_until(primary, b"next:", seen)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(primary)
    conv = load(tmp_path / "observability.yaml")
    assert conv.organisation == "Initech"
    assert conv.environments == ("dev", "prod")
    assert conv.export.protocol == "http/protobuf"
    assert conv.export.endpoint == "http://collector:4318"

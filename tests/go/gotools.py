"""Render the Go target into a folder and run the real Go toolchain on it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold.render import RenderOptions
from tests.conftest import write_render

GO = shutil.which("go")
GOFMT = shutil.which("gofmt")

needs_go = pytest.mark.skipif(
    GO is None or GOFMT is None, reason="the Go toolchain is not installed"
)


def render_service(
    conventions: Path,
    dest: Path,
    *,
    service: str = "payments",
    module: str = "example.com/payments",
    mode: str = "new",
    extra: dict[str, object] | None = None,
) -> dict[str, str]:
    """Render the Go target for `conventions` into dest; returns {path: content}."""
    opts = RenderOptions(service_name=service, target="go", module_path=module, mode=mode, extra=dict(extra or {}))  # type: ignore[arg-type]
    return write_render(conventions, dest, opts)


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    # Build exactly what go.mod and go.sum pin: no edits, no VCS stamping.
    env["GOFLAGS"] = "-mod=readonly -buildvcs=false"
    env.setdefault("GOTOOLCHAIN", "local")
    env.pop("GOWORK", None)
    env["GOWORK"] = "off"
    return env


def run(
    args: list[str], cwd: Path, timeout: float = 600, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command; the result carries its output for assertion messages."""
    env = go_env()
    env.update(env_extra or {})
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def assert_ok(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"

"""Render the Rust target into a folder and run the real cargo toolchain on it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffold.render import RenderOptions
from tests.conftest import cargo_target_dir, write_render

CARGO = shutil.which("cargo")

needs_cargo = pytest.mark.skipif(CARGO is None, reason="the Rust toolchain is not installed")

# One package name for every rendered crate, so the shared target directory reuses
# the dependency builds between cases.
CRATE = "svc"


def render_crate(
    conventions: Path,
    dest: Path,
    *,
    service: str = CRATE,
    crate: str = CRATE,
    mode: str = "new",
) -> dict[str, str]:
    """Render the Rust target for `conventions` into dest; returns {path: content}."""
    opts = RenderOptions(service_name=service, target="rust", crate_name=crate, mode=mode)  # type: ignore[arg-type]
    return write_render(conventions, dest, opts)


def cargo_env() -> dict[str, str]:
    env = dict(os.environ)
    env["CARGO_TARGET_DIR"] = str(cargo_target_dir())
    env.setdefault("CARGO_BUILD_JOBS", "2")
    env["CARGO_TERM_COLOR"] = "never"
    return env


_HELD = [0]


@contextlib.contextmanager
def target_lock() -> Iterator[None]:
    """Hold the shared target directory for this process (re-entrant). Every crate here is
    called `svc`, so its binary lands at the same path: a build and the copy of its binary
    must not interleave with another test worker's build of a different `svc`."""
    if _HELD[0]:
        _HELD[0] += 1
        try:
            yield
        finally:
            _HELD[0] -= 1
        return
    root = cargo_target_dir()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".scaffold-tests.lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _HELD[0] += 1
        try:
            yield
        finally:
            _HELD[0] -= 1


def cargo(
    args: list[str], cwd: Path, timeout: float = 1800, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `cargo args` in cwd, holding `target_lock`; the result carries its output for
    assertion messages."""
    assert CARGO is not None
    env = cargo_env()
    env.update(env_extra or {})
    with target_lock():
        return subprocess.run(
            [CARGO, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def build_kept(dest: Path, kept: Path, name: str = CRATE) -> subprocess.CompletedProcess[str]:
    """`cargo build` in dest and, in the same hold of the target directory, copy the
    binary to `kept` (when the build succeeded)."""
    with target_lock():
        proc = cargo(["build"], dest)
        if proc.returncode == 0:
            shutil.copy2(binary(name), kept)
    return proc


def assert_ok(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"


def binary(name: str = CRATE) -> Path:
    """The debug binary `cargo build` wrote for the crate."""
    return cargo_target_dir() / "debug" / name

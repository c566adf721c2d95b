"""The generated Rust module under a host's strict lints (rev14 F8): a workspace that warns
on rustc's `unreachable_pub` and clippy's `unwrap_used` and `expect_used` (and pedantic)
and builds with `-D warnings` still passes `cargo clippy --all-targets` after `add
--wire`: the module allows what it trips, in its own lint list, tests included, and the
host's code keeps the lints (a new `unwrap()` in it still fails)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_CONVENTIONS, ROOT, CliResult, cargo_target_dir

FIXTURE = ROOT / "tests" / "fixtures" / "adopt" / "rust-workspace"
CONV = ["-c", str(DEFAULT_CONVENTIONS)]
STRICT_RUST = '[workspace.lints.rust]\nunreachable_pub = "warn"\n'
STRICT_CLIPPY = '[workspace.lints.clippy]\nunwrap_used = "warn"\nexpect_used = "warn"\n'

pytestmark = [
    pytest.mark.toolchain,
    pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed"),
]


def clippy(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["cargo", "clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, "CARGO_TARGET_DIR": str(cargo_target_dir() / "adopt-strict")},
    )


def test_the_module_passes_clippy_under_strict_host_lints(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    dest = tmp_path / "ws"
    shutil.copytree(FIXTURE, dest)
    manifest = dest / "Cargo.toml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("[workspace.lints.rust]\n", STRICT_RUST)
    text = text.replace("[workspace.lints.clippy]\n", STRICT_CLIPPY)
    assert "unreachable_pub" in text and "expect_used" in text
    manifest.write_text(text, encoding="utf-8")
    member = dest / "crates" / "orders-api"
    routes = member / "tests" / "routes.rs"  # the host's own tests unwrap: its own allow
    routes.write_text("#![allow(clippy::unwrap_used)]\n" + routes.read_text("utf-8"), "utf-8")
    wired = cli("add", "--lang", "rust", "--dir", str(member), *CONV, "--wire")
    assert wired.code == 0, wired.err
    done = clippy(dest)
    assert done.returncode == 0, done.stderr[-6000:]
    # The lints still hold for the host's own code: the allows are the module's only.
    main = member / "src" / "main.rs"
    main.write_text(
        main.read_text(encoding="utf-8") + '\nfn _host() -> u8 {\n    "1".parse().unwrap()\n}\n',
        encoding="utf-8",
    )
    failed = clippy(dest)
    assert failed.returncode != 0 and "clippy::unwrap_used" in failed.stderr, failed.stderr[-3000:]

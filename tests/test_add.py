"""`scaffold add` into an existing Go module or Rust crate: the project still builds."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_CONVENTIONS, CliResult, cargo_target_dir

pytestmark = pytest.mark.toolchain


def sh(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        list(args),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
def test_add_go_into_an_existing_module(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    sh(tmp_path, "go", "mod", "init", "example.com/acme/orders")
    (tmp_path / "main.go").write_text(
        'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("orders") }\n', encoding="utf-8"
    )
    before = (tmp_path / "main.go").read_text(encoding="utf-8")
    dry = cli(
        "add", "--lang", "go", "--dir", str(tmp_path), "-c", str(DEFAULT_CONVENTIONS), "--dry-run"
    )
    assert dry.code == 0, dry.err
    assert "would add dependencies" in dry.out
    assert not (tmp_path / "internal").exists()
    result = cli("add", "--lang", "go", "--dir", str(tmp_path), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 0, result.err
    assert (tmp_path / "internal" / "telemetry").is_dir()
    assert (tmp_path / "main.go").read_text(encoding="utf-8") == before
    assert "go.opentelemetry.io/otel " in (tmp_path / "go.mod").read_text(encoding="utf-8")
    env = {"GOFLAGS": "-mod=readonly"}
    sh(tmp_path, "go", "build", "./...", env=env)
    sh(tmp_path, "go", "vet", "./...", env=env)
    assert cli("check", str(tmp_path)).code == 0


@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
def test_add_rust_into_an_existing_crate(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    crate = tmp_path / "orders"
    sh(tmp_path, "cargo", "new", "--quiet", "--bin", "orders")
    result = cli("add", "--lang", "rust", "--dir", str(crate), "-c", str(DEFAULT_CONVENTIONS))
    assert result.code == 0, result.err
    assert (crate / "src" / "telemetry" / "mod.rs").is_file()
    cargo = (crate / "Cargo.toml").read_text(encoding="utf-8")
    assert "opentelemetry" in cargo and "tracing-subscriber" in cargo
    assert "tracing-opentelemetry" not in cargo
    main = crate / "src" / "main.rs"
    main.write_text("mod telemetry;\n\n" + main.read_text(encoding="utf-8"), encoding="utf-8")
    env = {"CARGO_TARGET_DIR": str(cargo_target_dir())}
    sh(crate, "cargo", "check", "--quiet", env=env)


def test_a_service_on_the_bundled_conventions_can_move(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    first = tmp_path / "payments"
    created = cli(
        "new", "payments", "--lang", "go", "--dir", str(first), "-c", str(DEFAULT_CONVENTIONS)
    )
    assert created.code == 0, created.err
    moved = tmp_path / "monorepo" / "services" / "payments"
    moved.parent.mkdir(parents=True)
    first.rename(moved)
    checked = cli("check", str(tmp_path / "monorepo"))
    assert checked.code == 0, checked.out + checked.err
    updated = cli("update", str(tmp_path / "monorepo"))
    assert updated.code == 0 and "nothing to do" in updated.out

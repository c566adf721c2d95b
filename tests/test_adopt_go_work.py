"""A module that a go.work workspace builds: add never leaves it unbuildable by raising
the module's go line above the workspace's (rev14c R1). It stops before writing, names
go.work's line and the step, and after that step the workspace builds."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.test_adopt_fixtures import CONV, copy_fixture


def go(cwd: Path, *args: str) -> None:
    """The go command in workspace mode (where -mod=mod is refused)."""
    env = {**os.environ, "GOFLAGS": "", "GOTOOLCHAIN": "local"}
    result = subprocess.run(
        ["go", *args], cwd=cwd, capture_output=True, text=True, timeout=900, env=env
    )
    assert result.returncode == 0, f"go {' '.join(args)}:\n{result.stdout}\n{result.stderr}"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _workspace(tmp_path: Path, go_line: str) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    orders = copy_fixture("go-v2", root)
    (root / "go.work").write_text(f"// shop\n{go_line}\n\nuse (\n\t./{orders.name}\n)\n")
    return orders


def test_add_refuses_to_raise_the_go_line_above_the_workspaces(
    tmp_path: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOWORK", raising=False)
    orders = _workspace(tmp_path, "go 1.24")
    before = tree(tmp_path)
    result = cli("add", "--lang", "go", "--dir", str(orders), *CONV)
    assert result.code == 2, result.out
    work = tmp_path / "ws" / "go.work"
    assert f"{work}:2: go 1.24 is below the go 1.26" in result.err
    assert "go work edit -go=1.26" in result.err and "nothing was written" in result.err
    assert "Traceback" not in result.err
    assert tree(tmp_path) == before


def test_a_module_the_workspace_does_not_use_is_not_held_back(
    tmp_path: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOWORK", raising=False)
    orders = _workspace(tmp_path, "go 1.24")
    work = tmp_path / "ws" / "go.work"
    work.write_text("go 1.24\n\nuse ./elsewhere\n")
    assert cli("add", "--lang", "go", "--dir", str(orders), *CONV).code == 0


@pytest.mark.toolchain
@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
def test_after_the_named_step_the_workspace_builds(
    tmp_path: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOWORK", raising=False)
    orders = _workspace(tmp_path, "go 1.24")
    refused = cli("add", "--lang", "go", "--dir", str(orders), *CONV)
    step = refused.err.split("`go work edit ")[1].split("`")[0]
    go(tmp_path / "ws", "work", "edit", step)
    added = cli("add", "--lang", "go", "--dir", str(orders), *CONV, "--wire")
    assert added.code == 0, added.err
    go(orders, "build", "./...")
    go(orders, "vet", "./...")
    assert cli("check", str(orders)).code == 0


def test_add_in_the_module_folder_finds_the_workspace_above(
    tmp_path: Path,
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rev3 V1: without --dir (or with a relative one) the walk up starts at the real path."""
    monkeypatch.delenv("GOWORK", raising=False)
    orders = _workspace(tmp_path, "go 1.24")
    before = tree(tmp_path)
    monkeypatch.chdir(orders)
    assert cli("add", "--lang", "go", *CONV).code == 2
    monkeypatch.chdir(orders.parent)
    result = cli("add", "--lang", "go", "--dir", orders.name, *CONV)
    assert result.code == 2 and "go work edit -go=" in result.err, result.out
    assert tree(tmp_path) == before
